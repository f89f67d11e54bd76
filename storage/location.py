"""Which store `DATABASE_URL` names, read in this one place.

A plain path (as `DATABASE_PATH` always was) or `sqlite:///PATH` is a SQLite database file:
`sqlite:///data/duban.sqlite3` is relative to the bot's folder, `sqlite:////var/lib/duban/
duban.sqlite3` (four slashes) absolute, as SQLAlchemy has it. `postgresql://USER:PASSWORD@HOST/
DATABASE` (or `postgres://`) is a PostgreSQL database, in libpq's own URL form: a Unix socket as
`postgresql://USER@/DATABASE?host=/var/run/postgresql`. Any other scheme is refused with a line
saying what this release opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from storage.errors import UnknownStore

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_SQLITE_SCHEMES = ("sqlite", "sqlite3")
_POSTGRESQL_SCHEMES = ("postgresql", "postgres")
_WHAT_OPENS = (
    "this release opens SQLite (a file path, or sqlite:///PATH)"
    " and PostgreSQL (postgresql://USER:PASSWORD@HOST/DATABASE)"
)


@dataclass(frozen=True)
class Location:
    """Where a store is: its kind, and its database file (SQLite) or URL (PostgreSQL)."""

    kind: str
    path: Path = Path()
    url: str = ""


def scheme_of(url: str) -> str:
    """The kind of store `url` names (`sqlite` for a plain path), lower case."""
    scheme, separator, _ = url.strip().partition("://")
    if not separator:
        return SQLITE
    scheme = scheme.lower()
    if scheme in _SQLITE_SCHEMES:
        return SQLITE
    return POSTGRESQL if scheme in _POSTGRESQL_SCHEMES else scheme


def locate(url: str) -> Location:
    """The store `url` names; `UnknownStore` (with what was wrong) if none this release has."""
    text = url.strip()
    if not text:
        raise UnknownStore(f"names no database: {_WHAT_OPENS}")
    if "://" not in text:
        return Location(SQLITE, _sqlite_file(text))
    scheme = scheme_of(text)
    if scheme == POSTGRESQL:
        if not urlsplit(text).path.strip("/"):
            raise UnknownStore("a postgresql URL names its database: postgresql://HOST/DATABASE")
        return Location(POSTGRESQL, url=text)
    if scheme != SQLITE:
        # Only the scheme is repeated: the rest of a URL may hold a password.
        raise UnknownStore(f"{scheme}:// is not a store this release can open ({_WHAT_OPENS})")
    parts = urlsplit(text)
    if parts.netloc:
        raise UnknownStore(
            "a sqlite URL names no host: sqlite:///relative/path or sqlite:////absolute/path"
        )
    if parts.query or parts.fragment:
        raise UnknownStore("a sqlite URL takes no options (nothing after ? or #)")
    # sqlite:///data/x.db is data/x.db; sqlite:////var/x.db is /var/x.db.
    return Location(SQLITE, _sqlite_file(parts.path.removeprefix("/")))


def _sqlite_file(path: str) -> Path:
    if not path:
        raise UnknownStore(f"names no database file: {_WHAT_OPENS}")
    if path == ":memory:":
        raise UnknownStore("an in-memory SQLite database would lose everything at a stop")
    return Path(path)


def describe(url: str) -> str:
    """The database `url` names, for a line to the operator: a SQLite file's path; for any
    other URL its scheme and host, never its user or password."""
    try:
        location = locate(url)
    except UnknownStore:
        location = None
    if location is not None and location.kind == SQLITE:
        return str(location.path)
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.hostname or ''}{'/…' if parts.path else ''}"


def absolute(url: str) -> str:
    """The same store, named so that a process started in another folder (the export's) finds
    it: a relative SQLite path made absolute (any other URL is the same everywhere)."""
    location = locate(url)
    if location.kind != SQLITE:
        return location.url
    return f"sqlite:///{location.path.absolute()}"
