"""Exports are built in a process of their own, so the bot keeps answering people meanwhile.

Built in a thread of the bot's process, a month's workbook at a million issues made everyone
else's steps slow (p99 160-350 ms instead of 15): openpyxl's thread holds the GIL 5 ms at a
time, and each hand-off between the event loop and the database thread waits for it. The
process reads the database on a read-only connection of its own (its reads never hold up the
bot's writes: SQLite's WAL lets them go on together) and prints how many rows it wrote.

Nothing of it is left on disk by name: the job (the report's figures, the organisation, the
person who asked) goes to the process on its standard input, and the file, which may hold
citizens' phone numbers, is written to a temporary file the bot opened and already unlinked
(handed over as a file descriptor). The process ends if the bot goes away, and is killed if the
export is cancelled or takes longer than `TIMEOUT`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import pickle
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from casework.clock import SystemClock
from casework.organisation import Organisation
from casework.people import Staff
from casework.services import Deps
from casework.services.reports import Report
from exports.workbook import write_export
from rendering.i18n import texts
from storage import absolute, open_store

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]  # the project's folder
TIMEOUT = 30 * 60  # seconds; a year's workbook at a million issues takes about four minutes
_CHILD = "import sys; from exports.process import main; sys.exit(main(sys.argv[1:]))"


class ExportFailed(Exception):
    """The export's process ended without building the file."""


@dataclass(frozen=True)
class ExportJob:
    database: str  # DATABASE_URL, as the bot has it
    org: Organisation
    zone: ZoneInfo
    actor: Staff
    report: Report
    language: str
    as_csv: bool
    batch_size: int  # reports.BATCH as the bot has it (a test reads in batches of five)


async def build_export(job: ExportJob, target: int) -> int:
    """Build the export into the open file `target` (a file descriptor, written from where it
    stands) in a process of its own; how many rows it holds."""
    # The process runs in the project's folder: a path relative to the bot's must not change.
    job = dataclasses.replace(job, database=_from_anywhere(job.database))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CHILD, str(target),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        pass_fds=(target,),
        start_new_session=True,  # a Ctrl+C meant for the bot is not one for the export
    )  # fmt: skip
    try:
        async with asyncio.timeout(TIMEOUT):
            out, _ = await process.communicate(pickle.dumps(job))
    except TimeoutError:
        raise ExportFailed(f"the export took longer than {TIMEOUT} s") from None
    finally:
        if process.returncode is None:  # cancelled (the bot is stopping), or too slow
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise ExportFailed(f"the export process ended with code {process.returncode}")
    return int(out.split()[-1])  # its last word (a library might have printed something)


def _from_anywhere(url: str) -> str:  # not inline: a file system call has no place in a coroutine
    return absolute(url)


async def _build(job: ExportJob, target: int) -> int:
    store = await open_store(job.database, read_only=True)
    try:
        deps = Deps(store=store, org=job.org, clock=SystemClock(), zone=job.zone)
        with os.fdopen(target, "wb") as file:
            return await write_export(
                deps, job.actor, job.report, texts(job.language), job.as_csv, file,
                job.batch_size,
            )  # fmt: skip
    finally:
        await store.close()


def _end_with_the_bot() -> None:
    """End this process if the bot that started it is gone (killed, say)."""
    bot = os.getppid()

    def watch() -> None:
        while os.getppid() == bot:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-the-bot", daemon=True).start()


def main(arguments: list[str]) -> int:
    """The export's process: the job on standard input, the file descriptor to write to as the
    argument; prints how many rows it wrote."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _end_with_the_bot()
    job = pickle.loads(sys.stdin.buffer.read())
    assert isinstance(job, ExportJob)
    try:
        rows = asyncio.run(_build(job, int(arguments[0])))
    except Exception:
        log.exception("the export could not be built")
        return 1
    print(rows)
    return 0
