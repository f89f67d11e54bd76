"""A consistent copy of the database while the bot runs (SQLite's online backup API)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


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
