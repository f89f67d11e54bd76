"""The repositories: each table's reads and writes, the same SQL on every engine. They run it
through `storage.statements.Statements`; where the engines' SQL differs, they ask the engine's
`Dialect` (storage/sqlite/dialect.py, storage/postgres/statements.py). Which engine runs is
chosen in storage/__init__.py; the stores (storage/sql_store.py) hand the repositories out."""
