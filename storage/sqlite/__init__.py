"""The SQLite implementation of the store (aiosqlite, WAL, versioned migrations)."""
