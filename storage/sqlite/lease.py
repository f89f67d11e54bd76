"""One bot per database: a second `bot.py` on the same database would deliver every message
twice (each sender reads the same outbox). The bot holds an exclusive lock on a file beside
the database while it runs; the operating system lets it go when the process ends, however it
ends (a crash or a kill included), so a lock is never left behind.

A second bot waits a while for the first one to stop (an overlapping redeploy: the new one
starts before the old one has finished stopping), then gives up with a clear line.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

from storage.errors import DatabaseInUse
from storage.sqlite.files import make_private_file
from storage.statements import Statements

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25


class Lease:
    """The lock that makes this process the only bot on the database."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    @classmethod
    async def take(cls, database: Path, wait_seconds: float) -> Lease:
        path = database.with_name(database.name + ".lock")
        make_private_file(path)
        descriptor = os.open(path, os.O_RDWR)
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + wait_seconds
        waiting = False
        while not _lock(descriptor):
            holder = _holder(descriptor)
            if loop.time() >= give_up_at:
                os.close(descriptor)
                raise DatabaseInUse(
                    f"another bot ({holder}) is running on it; stop that one first: two bots on"
                    " one database would send every message twice"
                )
            if not waiting:
                log.warning(
                    "another bot (%s) is running on %s; waiting up to %g s for it to stop",
                    holder,
                    database,
                    wait_seconds,
                )
                waiting = True
            await asyncio.sleep(POLL_SECONDS)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        return cls(descriptor)

    def watch(self, on_lost: Callable[[], None]) -> None:
        """Nothing: the lock is the kernel's, on this machine's file, and holds while the
        process lives."""
        del on_lost

    async def confirm(self, db: Statements) -> None:
        """Nothing to check: the system holds the file's lock until this process ends."""

    async def release(self) -> None:
        if self._descriptor is None:
            return
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
        self._descriptor = None


def _lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(descriptor: int) -> str:
    written = os.pread(descriptor, 200, 0).decode(errors="replace").strip()
    return written or "a process starting up"
