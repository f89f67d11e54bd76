"""/export's files: spreadsheets (XLSX, CSV) built in a process of their own, in the background."""
