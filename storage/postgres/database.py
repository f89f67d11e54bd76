"""The bot's PostgreSQL connections, their transactions, and the migrations.

The same model as SQLite's (storage/sqlite/database.py): one connection for the steps, whose
transactions take turns, so that each step reads and writes as if alone (one writer, as the
repositories were written for); one for long reads, in read-only snapshots (REPEATABLE READ),
which never wait for the steps nor hold them up; and one for quick looks (`peek`), where each
statement reads what was last committed, shared by every task at once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from casework.ports import StoreUnreachable, StoreWriteFailed
from storage.errors import CannotOpen, MigrationError
from storage.migrations import pending
from storage.postgres.statements import PgStatements, adapt

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 10
# A rollback is a trip to the server and back: one that takes longer is not coming.
ROLLBACK_SECONDS = 3

# What PostgreSQL answers when it cannot write: a read-only transaction, a full disk, out of
# memory or connections, an I/O error (classes 25006, 53 and 58).
_CANNOT_WRITE = (
    pg_errors.ReadOnlySqlTransaction,
    pg_errors.InsufficientResources,
    pg_errors.SystemError,
)


# A connection a firewall or the network dropped in silence is found out within seconds, not
# after the system's retransmissions (a quarter of an hour): idle, by TCP keepalives (5 s, then
# 3 probes 2 s apart); while a statement waits for its answer, when what was sent has not been
# acknowledged for 10 s (an acknowledgement is the server's system's, at once, however long the
# statement then runs). The statement fails, as on any lost connection, instead of leaving a
# step, or the bot's stop, waiting. (Ignored over a Unix socket.)
CLIENT_KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}
# And the server's side: a session whose machine is gone (powered off, cut off) is ended
# within about 11 seconds (idle 5 s, then 3 probes 2 s apart; and if the server was sending
# it an answer, which keepalives do not probe, when that has gone unacknowledged for 10 s),
# and with it the lock it held (lease.py) and any transaction it had open, whose row locks
# would stop the bot taking over.
SERVER_KEEPALIVES = (
    "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3;"
    " SET tcp_user_timeout = 10000"
)


async def connect(url: str, *, read_only: bool = False) -> psycopg.AsyncConnection[Any]:
    """A connection to the database `url` names; `read_only`: one that cannot write."""
    try:
        conn = await psycopg.AsyncConnection.connect(
            url,
            connect_timeout=CONNECT_TIMEOUT_S,
            autocommit=True,
            application_name="duban",  # the lock's session names itself apart (lease.py)
            **CLIENT_KEEPALIVES,
        )
    except psycopg.OperationalError as exc:
        raise CannotOpen(f"cannot be reached: {_first_line(exc)}") from exc
    adapt(conn)
    try:
        # Times are kept as whole seconds since 1970 (UTC): no session time zone is relied on.
        await conn.execute("SET TIME ZONE 'UTC'; " + SERVER_KEEPALIVES)
        if read_only:
            await conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    except BaseException:
        await conn.close()
        raise
    return conn


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class Database:
    """One connection. `statements()` yields its statements, in turn with the other tasks
    (`in_turn`), inside BEGIN … COMMIT (`begin`), or each statement on its own (a peek).

    A connection found closed or broken (the server restarted, a DBA ended the session, the
    network dropped it) is opened again (`reopen`) before the next transaction; the one it
    broke under fails as the database failing (`StoreWriteFailed`), and is tried again as any
    step is after a failure."""

    def __init__(
        self,
        conn: psycopg.AsyncConnection[Any],
        begin: str | None = "BEGIN",
        *,
        in_turn: bool = True,
        reopen: Callable[[], Awaitable[psycopg.AsyncConnection[Any]]] | None = None,
    ) -> None:
        if begin is not None and not in_turn:
            raise ValueError("a connection that begins transactions takes them in turn")
        self._conn = conn
        self._begin = begin
        self._reopen = reopen
        self._reopening = asyncio.Lock()
        self._closed = False  # closed by the store: never opened again
        self._lock: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if in_turn else nullcontext()
        )

    async def _usable(self) -> psycopg.AsyncConnection[Any]:
        async with self._reopening:
            lost = self._conn.closed or self._conn.broken
            if lost and self._reopen is not None and not self._closed:
                with suppress(psycopg.Error):
                    await self._conn.close()
                try:
                    self._conn = await self._reopen()
                except CannotOpen as exc:
                    raise StoreUnreachable(str(exc)) from exc
            return self._conn

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[PgStatements]:
        async with self._lock:
            conn = await self._usable()
            statements = PgStatements(conn)
            try:
                if self._begin is not None:
                    await conn.execute(self._begin)
                yield statements
                if self._begin is not None:
                    await conn.execute("COMMIT")
            except BaseException as exc:
                if self._begin is not None and not conn.closed:
                    await asyncio.shield(_rollback(conn))

                if isinstance(exc, _CANNOT_WRITE):
                    raise StoreWriteFailed(_cannot_write(exc)) from exc
                lost = conn.closed or conn.broken
                if isinstance(exc, psycopg.OperationalError) and lost and not self._closed:
                    raise StoreUnreachable(f"the connection was lost: {_first_line(exc)}") from exc
                raise

    @property
    def connection(self) -> psycopg.AsyncConnection[Any]:
        return self._conn

    async def close(self) -> None:
        self._closed = True
        await self._conn.close()


async def _rollback(conn: psycopg.AsyncConnection[Any]) -> None:
    """End the transaction. A connection that does not answer in time (its network cut) is
    closed instead, and so not waited for while the bot stops: the server rolls back what a
    session had open when it ends."""
    try:
        async with asyncio.timeout(ROLLBACK_SECONDS):
            await conn.execute("ROLLBACK")
    except TimeoutError:
        log.warning(
            "the database did not answer a rollback in %g s: its connection is closed",
            ROLLBACK_SECONDS,
        )
        await conn.close()
    except psycopg.Error:  # the connection is gone: so is the transaction
        pass


def _cannot_write(exc: Exception) -> str:
    text = _first_line(exc)
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return f"readonly: {text}"  # as SQLite says it
    return text


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text("utf-8")))
    if len({m.version for m in found}) != len(found):
        raise MigrationError("two migration files share a version number")
    return found


# Two bots starting together must not both migrate: the first takes this lock.
_MIGRATION_LOCK = 0x6475_6261_6E00  # "duban\0"


async def migrate(
    conn: psycopg.AsyncConnection[Any], migrations: list[Migration] | None = None
) -> list[int]:
    """Apply every migration not yet recorded, each in its own transaction; the versions
    applied now."""
    migrations = discover() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
        )
        cursor = await conn.execute("SELECT version FROM schema_migrations ORDER BY version")
        done = {row[0] for row in await cursor.fetchall()}
        applied = []
        for migration in pending(migrations, done):
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql.encode())  # a whole file, as one script
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at)"
                        " VALUES (%s, %s, %s)",
                        (migration.version, migration.name, int(time.time())),
                    )
            except psycopg.Error as exc:
                raise MigrationError(
                    f"{migration.version:04d}_{migration.name}: {_first_line(exc)}"
                ) from exc
            applied.append(migration.version)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
