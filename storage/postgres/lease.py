"""One active bot per PostgreSQL database: a session-level advisory lock, held on a connection
of its own for as long as the bot runs.

A second bot on the same database waits for the lock (a standby, or an overlapping redeploy)
and takes over as soon as the first lets go. PostgreSQL lets go when the holder's connection
ends: at once when its process dies (the server sees the socket close), and within about 11
seconds when its machine is gone, by the TCP keepalives this connection asks the server for
(idle 5 s, then 3 probes 2 s apart). The holder checks its connection every few seconds; if
it is gone (the database restarted, the network cut), another bot may hold the lock by now,
so the holder stops at once (`on_lost`) rather than send what the other will send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
from collections.abc import Callable
from typing import Any

import psycopg

from casework.ports import StoreUnreachable
from storage.errors import CannotOpen, DatabaseInUse
from storage.postgres.database import CLIENT_KEEPALIVES, SERVER_KEEPALIVES
from storage.statements import Statements

log = logging.getLogger(__name__)

# The lock's key: the same for every bot, one lock per database (advisory locks are per
# database), so bots on other databases of the same server never wait for each other.
KEY = 0x6475_6261_6E01  # "duban" 1
# Whether the lock's session still holds it (pg_locks shows a bigint key as two halves).
_HELD = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    f" AND pid = ? AND classid = {KEY >> 32} AND objid = {KEY & 0xFFFF_FFFF} AND objsubid = 1)"
)
POLL_SECONDS = 0.5  # how often a waiting bot tries the lock
CHECK_SECONDS = 3.0  # how often the holder checks its connection


class PgLease:
    """The advisory lock that makes this process the active bot on the database."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn
        self._backend = conn.info.backend_pid  # the lock's session, as pg_locks names it
        self._watch: asyncio.Task[None] | None = None
        # Checks that did not answer in time, being cancelled (psycopg waits up to 10 s for
        # the server to confirm): kept until they end, and cut short at `release`.
        self._abandoned: set[asyncio.Future[Any]] = set()

    @classmethod
    async def take(cls, url: str, wait_seconds: float) -> PgLease:
        """Hold the lock, waiting up to `wait_seconds` (`math.inf`: as long as it takes) for
        the bot holding it to stop. A waiting connection the server ends (a restart) is opened
        again, and the wait goes on."""
        conn = await _connect(url)
        try:
            loop = asyncio.get_running_loop()
            give_up_at = loop.time() + wait_seconds
            told = False
            while True:
                try:
                    if await _try(conn):
                        break
                    holder = await _holder(conn)
                except psycopg.OperationalError:
                    if conn.closed or conn.broken:  # the server ended the session: again
                        await conn.close()
                        await asyncio.sleep(POLL_SECONDS)
                        conn = await _connect(url)
                        continue
                    raise
                if loop.time() >= give_up_at:
                    raise DatabaseInUse(
                        f"another bot ({holder}) is running on it; stop that one first: two bots"
                        " on one database would send every message twice"
                    )
                if not told:
                    log.warning(
                        "another bot (%s) is running on this database; %s",
                        holder,
                        "standing by to take over when it stops"
                        if math.isinf(wait_seconds)
                        else f"waiting up to {wait_seconds:g} s for it to stop",
                    )
                    told = True
                await asyncio.sleep(POLL_SECONDS)
            await _name(conn, f"duban bot (pid {os.getpid()})")
        except BaseException:
            await conn.close()
            raise
        if told:
            log.warning("the other bot stopped: this one takes over")
        return cls(conn)

    async def held(self) -> bool:
        """Whether the lock's session is still there (and so the lock still this bot's)."""
        if self._conn.closed or self._conn.broken:
            return False
        return await self._answers()

    async def _answers(self) -> bool:
        """Whether the lock's session answers within CHECK_SECONDS. Silence is an answer
        too: the network cut, or this machine frozen long enough for the server to end the
        session; the check is then cancelled in the background, not waited for."""
        check = asyncio.ensure_future(self._conn.execute("SELECT 1"))
        try:
            done, _ = await asyncio.wait({check}, timeout=CHECK_SECONDS)
        finally:
            if not check.done():  # no answer in time, or this bot stopping meanwhile
                check.cancel()
                self._abandoned.add(check)
                check.add_done_callback(_forgotten(self._abandoned))
        return check in done and check.exception() is None

    async def confirm(self, db: Statements) -> None:
        """The lock is still this bot's session's, asked on the writing connection before each
        commit: should the lock's session end while the writing connection works (a server
        ending that one session; the watch notices within seconds), a standby may hold the lock
        in half a second, and this bot must not save (nor so mark a message to send) meanwhile.
        One more trip per step that writes."""
        row = await db.fetch_one(_HELD, (self._backend,))
        if row is None or not row[0]:
            raise StoreUnreachable("this bot no longer holds the database's lock")

    def watch(self, on_lost: Callable[[], None]) -> None:
        """Check the lock's connection every few seconds; call `on_lost` once if it is gone."""
        self._watch = asyncio.get_running_loop().create_task(self._check(on_lost))

    async def _check(self, on_lost: Callable[[], None]) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            if not await self._answers():
                log.critical(
                    "lost the connection that holds this bot's lock on the database: another"
                    " bot may take over now, so this one stops"
                )
                on_lost()
                return

    async def release(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        for check in list(self._abandoned):  # cancelled again: psycopg closes it at once
            check.cancel()
            with contextlib.suppress(BaseException):
                await check
        await self._conn.close()  # the lock goes with the session


def _forgotten(checks: set[asyncio.Future[Any]]) -> Callable[[asyncio.Future[Any]], None]:
    def forget(check: asyncio.Future[Any]) -> None:
        checks.discard(check)
        if not check.cancelled():
            check.exception()  # retrieved: how it ended does not matter any more

    return forget


async def _connect(url: str) -> psycopg.AsyncConnection[Any]:
    """The lock's own session, named as a waiting bot's, with the keepalives asked for."""
    try:
        conn = await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=10, **CLIENT_KEEPALIVES
        )
    except psycopg.OperationalError as exc:
        raise CannotOpen(f"cannot be reached: {str(exc).strip().splitlines()[0]}") from exc
    try:
        await conn.execute(SERVER_KEEPALIVES)
        await _name(conn, f"duban bot (pid {os.getpid()}, waiting)")
    except BaseException:
        await conn.close()
        raise
    return conn


async def _try(conn: psycopg.AsyncConnection[Any]) -> bool:
    cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (KEY,))
    row = await cursor.fetchone()
    return bool(row and row[0])


async def _holder(conn: psycopg.AsyncConnection[Any]) -> str:
    """Who holds the lock, as its session names itself once it holds it (`duban bot (pid N)`),
    and its machine's address."""
    cursor = await conn.execute(
        "SELECT application_name, coalesce(host(client_addr), 'this machine')"
        " FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name ~ %s ORDER BY backend_start LIMIT 1",
        (r"^duban bot \(pid \d+\)$",),
    )
    row = await cursor.fetchone()
    return f"{row[0]} at {row[1]}" if row else "a bot starting up"


async def _name(conn: psycopg.AsyncConnection[Any], name: str) -> None:
    """Name the session as the waiting bot's `_holder` shows it."""
    await conn.execute("SELECT set_config('application_name', %s, false)", (name,))
