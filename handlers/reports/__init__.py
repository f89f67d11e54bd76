"""Reports as files: charts (PNG) and spreadsheets (XLSX, CSV)."""
