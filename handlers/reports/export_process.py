"""Exports are built in a process of their own, so the bot keeps answering people meanwhile.

Built in a thread of the bot's process, a month's workbook at a million issues made everyone
else's steps slow (p99 160-350 ms instead of 15): openpyxl's thread holds the GIL 5 ms at a
time, and each hand-off between the event loop and the database thread waits for it. The
process reads the database on a read-only connection of its own (its reads never hold up the
bot's writes: SQLite's WAL lets them go on together), writes the file where it is told, and
prints how many rows it holds.

The bot hands it the job as a pickle in a private temporary folder (the report's figures, the
organisation, the person who asked); if the export is cancelled (the bot stops), the process is
killed.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from casework.clock import SystemClock
from casework.organisation import Organisation
from casework.people import Staff
from casework.services import Deps
from casework.services.reports import Report
from handlers.i18n import texts
from handlers.reports.workbook import write_export
from storage import open_store

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
_CHILD = (
    "import sys; from handlers.reports.export_process import main; sys.exit(main(sys.argv[1:]))"
)


class ExportFailed(Exception):
    """The export's process ended without building the file."""


@dataclass(frozen=True)
class ExportJob:
    database: Path
    org: Organisation
    zone: ZoneInfo
    actor: Staff
    report: Report
    language: str
    as_csv: bool
    batch_size: int


async def build_export(job: ExportJob, target: Path) -> int:
    """Build the export into `target` in a process of its own; how many rows it holds."""
    with tempfile.TemporaryDirectory(prefix="duban-export-") as folder:
        job_file = Path(folder) / "job.pickle"
        job_file.write_bytes(pickle.dumps(job))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _CHILD, str(job_file), str(target),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, _ = await process.communicate()
        finally:
            if process.returncode is None:  # cancelled: the bot is stopping
                process.kill()
                await process.wait()
    if process.returncode != 0:
        raise ExportFailed(f"the export process ended with code {process.returncode}")
    return int(out.split()[-1])  # its last word (a library might have printed something)


async def _build(job: ExportJob, target: Path) -> int:
    store = await open_store(job.database, read_only=True)
    try:
        deps = Deps(store=store, org=job.org, clock=SystemClock(), zone=job.zone)
        with target.open("wb") as file:
            return await write_export(
                deps, job.actor, job.report, texts(job.language), job.as_csv, file,
                job.batch_size,
            )  # fmt: skip
    finally:
        await store.close()


def main(arguments: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    job_file, target = (Path(a) for a in arguments)
    job = pickle.loads(job_file.read_bytes())
    assert isinstance(job, ExportJob)
    print(asyncio.run(_build(job, target)))
    return 0
