"""`DATABASE_URL` read in one place (storage/location.py): a plain path or sqlite:///PATH is a
SQLite file, anything else is refused with a line saying what would work."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import UnknownStore, absolute, describe, locate


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("data/duban.sqlite3", "data/duban.sqlite3"),  # DATABASE_PATH as it always was
        ("/var/lib/duban/duban.sqlite3", "/var/lib/duban/duban.sqlite3"),
        ("sqlite:///data/duban.sqlite3", "data/duban.sqlite3"),  # three slashes: relative
        ("sqlite:////var/lib/duban/duban.sqlite3", "/var/lib/duban/duban.sqlite3"),  # four
        ("SQLite3:///duban.db", "duban.db"),
        ("  sqlite:///data/duban.sqlite3\n", "data/duban.sqlite3"),
    ],
)
def test_a_path_or_a_sqlite_url_names_a_sqlite_file(url: str, file: str) -> None:
    location = locate(url)

    assert location.kind == "sqlite"
    assert location.path == Path(file)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("", "names no database"),
        ("sqlite:///", "names no database file"),
        ("sqlite://db.internal/duban.sqlite3", "names no host"),
        ("sqlite:///duban.sqlite3?mode=ro", "takes no options"),
        ("sqlite:///:memory:", "would lose everything at a stop"),
        ("mysql://duban:s3cret@db.internal/duban", "mysql:// is not a store"),
        (
            "mysql://db/duban",
            r"this release opens SQLite \(a file path, or sqlite:///PATH\) and PostgreSQL",
        ),
        ("postgresql://duban:s3cret@db.internal", "a postgresql URL names its database"),
    ],
)
def test_what_names_no_store_this_release_opens_is_refused_saying_why(url: str, said: str) -> None:
    with pytest.raises(UnknownStore, match=said) as refusal:
        locate(url)

    assert "s3cret" not in str(refusal.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://duban:s3cret@db.internal:5433/duban",
        "postgres://duban@/duban?host=/var/run/postgresql",
    ],
)
def test_a_postgresql_url_names_a_postgresql_database_as_libpq_reads_it(url: str) -> None:
    location = locate(url)

    assert location.kind == "postgresql"
    assert location.url == url  # handed to libpq as it is: its every option works
    assert absolute(url) == url  # the same from any folder


def test_the_database_is_named_to_the_operator_without_a_password() -> None:
    assert describe("sqlite:///data/duban.sqlite3") == "data/duban.sqlite3"
    assert describe("postgresql://duban:s3cret@db.internal/duban") == "postgresql://db.internal/…"


def test_a_relative_database_is_found_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    pinned = absolute("data/duban.sqlite3")

    assert pinned == f"sqlite:///{tmp_path}/data/duban.sqlite3"
    assert locate(pinned).path == tmp_path / "data" / "duban.sqlite3"
