"""Exports built in the background: the person who asked goes on using the bot, and the file
comes when it is ready.

Built inside the person's update, an export held their turn for minutes, and everything they
sent meanwhile waited behind it. Here each export is a task of its own: one at a time per
person, at most `at_once` building at once (each is a process of 100-200 MB); the others wait
their turn. When the bot stops, exports still running are cancelled, and their people told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Build = Callable[[asyncio.Semaphore], Coroutine[Any, Any, None]]


class ExportJobs:
    def __init__(self, at_once: int) -> None:
        self._turns = asyncio.Semaphore(at_once)
        self._running: dict[int, tuple[str, asyncio.Task[None]]] = {}  # by staff id

    def running(self, person: int) -> str | None:
        """The period of the export being built for this person, if one is."""
        job = self._running.get(person)
        return job[0] if job is not None else None

    def start(self, person: int, label: str, build: Build) -> None:
        """Build in the background; `build` takes its turn from the semaphore it is given."""
        if person in self._running:
            raise RuntimeError("one export at a time per person")
        task = asyncio.create_task(build(self._turns), name=f"export-{person}")
        self._running[person] = (label, task)
        task.add_done_callback(lambda _: self._running.pop(person, None))

    async def idle(self) -> None:
        """Wait until every export started has ended (tests; a stop waits for none)."""
        while self._running:
            await asyncio.gather(
                *(task for _, task in list(self._running.values())), return_exceptions=True
            )

    async def stop(self) -> None:
        """Cancel the exports still running; each tells its person as it ends."""
        tasks = [task for _, task in self._running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if tasks:
            log.info("stopped %d export(s) still being built", len(tasks))
