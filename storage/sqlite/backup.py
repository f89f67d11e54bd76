"""A consistent copy of the database while the bot runs (SQLite's online backup API)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from storage.errors import BackupError
from storage.sqlite.files import make_private_file, make_private_folder


def backup(source: Path, target: Path) -> int:
    """Copy `source` to `target` (replaced only once the copy is complete and checked).

    Returns the copy's size in bytes.
    """
    if not source.is_file():
        raise BackupError(f"{source}: no database there")
    _refuse_the_source_itself(source, target)
    make_private_folder(target.parent)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    make_private_file(partial)  # the copy holds citizens' data too
    try:
        with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(partial) as dst:
            # In one step, from one read snapshot: copied in small steps, the copy starts over
            # whenever the bot writes, and a busy bot can keep it from ever finishing. With the
            # write-ahead log the bot goes on writing meanwhile.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            [(verdict,)] = dst.execute("PRAGMA integrity_check").fetchall()
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{source}: {exc}") from exc
    return target.stat().st_size


def _refuse_the_source_itself(source: Path, target: Path) -> None:
    """Writing the copy over the live database (or its journal files) would destroy the
    writes it holds: refused, whatever path or link leads there."""
    live = [source, *(source.with_name(source.name + s) for s in ("-wal", "-shm", "-journal"))]
    for path in (target, target.with_name(target.name + ".partial")):
        if any(_same_file(path, file) for file in live):
            raise BackupError(f"{target}: that is the database itself; choose another file")


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():  # a symbolic link, or the file yet to be created
        return True
    try:
        return os.path.samefile(a, b)  # a hard link
    except OSError:  # one of them does not exist
        return False
