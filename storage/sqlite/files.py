"""The database's files are for the bot alone: it holds citizens' names and phones.

SQLite creates a database with the process's umask (usually 0644: readable by every user of
the machine) and gives its `-wal` and `-shm` files the database file's own mode. So the
folder is made 0700 and the file created 0600 before SQLite opens it; the journal files
follow the file.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_private_file(path: Path) -> None:
    """Create `path` (and missing folders) for the bot alone, if it does not exist yet. An
    existing one (and its `-wal` and `-shm` beside it), made before the bot saw to this, is
    made the bot's alone too, with a line in the log."""
    make_private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        for each in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            _tighten(each)
        return
    os.close(descriptor)


def _tighten(path: Path) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        os.chmod(path, FILE_MODE)
        log.warning(
            "%s could be read by other users of this machine (mode %o); it holds citizens'"
            " personal data: made 600",
            path,
            mode,
        )


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) 0700; a folder that exists is left alone (it may be
    shared, such as /var/lib)."""
    if folder.is_dir():
        return
    make_private_folder(folder.parent)
    try:
        folder.mkdir(mode=FOLDER_MODE)
    except FileExistsError:
        return
    os.chmod(folder, FOLDER_MODE)  # mkdir's mode is cut by the umask; this is not
