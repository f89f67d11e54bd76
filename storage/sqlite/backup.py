"""A consistent copy of the database while the bot runs (SQLite's online backup API)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

PAGES_PER_STEP = 1024  # copy in steps, so the running bot is held up only briefly


class BackupError(Exception):
    """The copy could not be made, or did not pass its integrity check."""


def backup(source: Path, target: Path) -> int:
    """Copy `source` to `target` (replaced only once the copy is complete and checked).

    Returns the copy's size in bytes.
    """
    if not source.is_file():
        raise BackupError(f"{source}: no database there")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(partial) as dst:
            src.backup(dst, pages=PAGES_PER_STEP, sleep=0.01)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            [(verdict,)] = dst.execute("PRAGMA integrity_check").fetchall()
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{source}: {exc}") from exc
    return target.stat().st_size
