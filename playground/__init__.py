"""The playground: the real bot against a built-in Telegram, a page of phones, drills."""
