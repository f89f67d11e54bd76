"""The PostgreSQL implementation of the store (psycopg 3, its own numbered migrations).

Why psycopg 3: the reference PostgreSQL driver for Python, well kept, async and sync from one
library, and binary wheels that carry their own libpq (nothing to build here).
"""

from __future__ import annotations

from storage.postgres.store import PostgresStore


async def open_postgres(url: str, read_only: bool) -> PostgresStore:
    """The store of the database `url` names (see `storage.open_store`)."""
    if read_only:
        return await PostgresStore.open_read_only(url)
    return await PostgresStore.open(url)


__all__ = ["PostgresStore", "open_postgres"]
