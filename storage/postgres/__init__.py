"""The PostgreSQL implementation of the store (psycopg 3, its own numbered migrations).

Why psycopg 3: the reference PostgreSQL driver for Python, well kept, async and sync from one
library, and binary wheels that carry their own libpq (nothing to build here).
"""

from __future__ import annotations

from storage.postgres.lease import PgLease
from storage.postgres.store import PostgresStore


async def open_postgres(url: str, read_only: bool, wait_for_other_bot: float) -> PostgresStore:
    """The store of the database `url` names (see `storage.open_store`)."""
    if read_only:
        return await PostgresStore.open_read_only(url)
    lease = await PgLease.take(url, wait_for_other_bot)
    try:
        return await PostgresStore.open(url, lease)
    except BaseException:
        await lease.release()
        raise


__all__ = ["PostgresStore", "open_postgres"]
