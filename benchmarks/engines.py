"""The database a stage measures, on either engine: a SQLite file (a `Path`), or a PostgreSQL
database (its URL, a `str`); and, with `python -m benchmarks --engine postgresql`, the local
PostgreSQL server the stages run on, with the city copied into it.

The server's files are kept under the workdir (`WORKDIR/postgres`): made by `initdb` the first
time, started for each run with PostgreSQL's defaults (every commit on disk: `fsync` and
`synchronous_commit` on, as SQLite's `synchronous = FULL`), listening on a Unix socket in that
folder only, and stopped at the run's end. The city's copy (about two minutes at a million
issues, `benchmarks/to_postgres.py`) is kept in it with the data set it was copied from
(`city.json`): a run whose city is the same data set (`--reuse`, or stages without `dataset`)
measures the copy kept, as it measures the SQLite file kept; a new data set is copied again.

The stages' own reads (a sample of phones, counts, query plans) go through `fetch` and `plan_of`
here, in SQLite's SQL, which the PostgreSQL side translates as the bot's repositories do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from benchmarks import to_postgres
from casework.ports import Store
from storage import open_store
from storage.postgres.statements import POSTGRESQL, adapt, translate
from storage.sqlite.dialect import SQLITE
from storage.statements import Dialect
from tests.postgres_server import USER, binaries

Database = Path | str  # a SQLite file, or a PostgreSQL database's URL
CITY = "bench_city"


def url_of(database: Database) -> str:
    """What `DATABASE_URL` (`storage.open_store`) names the database as."""
    return database if isinstance(database, str) else f"sqlite:///{database.absolute()}"


def from_argument(text: str) -> Database:
    """A stage's command-line argument: a URL (postgresql://…) or a SQLite file's path."""
    return text if "://" in text else Path(text)


def engine_of(database: Database) -> str:
    return "postgresql" if isinstance(database, str) else "sqlite"


def dialect_of(database: Database) -> Dialect:
    """The engine's forms of SQL, for the repositories' query builders (`find_query` …)."""
    return POSTGRESQL if isinstance(database, str) else SQLITE


async def fetch(
    database: Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()
) -> list[Any]:
    """The rows of a read the stage makes beside the bot, in SQLite's SQL (`?` and `:name`)."""
    if isinstance(database, Path):
        return await asyncio.to_thread(_fetch_sqlite, database, sql, params)
    async with await psycopg.AsyncConnection.connect(database, autocommit=True) as conn:
        adapt(conn)  # parameters as the bot sends them
        cursor = await conn.execute(translate(sql), _pg_params(params))
        return list(await cursor.fetchall())


def _fetch_sqlite(database: Path, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Any]:
    with sqlite3.connect(database, timeout=30) as conn:
        return conn.execute(sql, params).fetchall()


def _pg_params(params: Sequence[Any] | dict[str, Any]) -> Any:
    return params if isinstance(params, dict) else list(params)


async def plan_of(
    database: Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()
) -> list[str]:
    """How the engine reads `sql`, a line a step: SQLite's EXPLAIN QUERY PLAN (`SEARCH issues
    USING INDEX …`), PostgreSQL's EXPLAIN's nodes without their costs and conditions (`Index
    Scan using … on issues`; a `Seq Scan on issues` would read the city from end to end)."""
    if isinstance(database, Path):
        rows = await fetch(database, f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[3] for row in rows]
    rows = await fetch(database, f"EXPLAIN (COSTS OFF) {sql}", params)
    lines = [row[0] for row in rows]
    return [lines[0].strip()] + [
        line.split("->", 1)[1].strip() for line in lines[1:] if line.lstrip().startswith("->")
    ]


async def open_measured(database: Database) -> Store:
    """The store, as the bot opens it (`storage.open_store`), for a stage that calls the use
    cases itself; no other bot may hold the database."""
    return await open_store(url_of(database), wait_for_other_bot=0)


class Server:
    """A running PostgreSQL server: its databases by name."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url  # its `postgres` database, to make and drop the others from
        self.folder = folder

    def database(self, name: str) -> str:
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))

    def fresh(self, name: str, template: str | None = None) -> str:
        """The URL of `name`, dropped if it was there and made again: empty, or a copy of
        `template`."""
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            copying = f" TEMPLATE {template}" if template else ""
            admin.execute(f"CREATE DATABASE {name}{copying}")
        return self.database(name)

    def drop(self, name: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def exists(self, name: str) -> bool:
        with psycopg.connect(self.url, autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return found.fetchone() is not None

    def size(self, name: str) -> int:
        with psycopg.connect(self.url, autocommit=True) as admin:
            [(size,)] = admin.execute("SELECT pg_database_size(%s)", (name,)).fetchall()
        return int(size)

    def checkpoint(self) -> None:
        """Everything written so far on disk (a copy's pages too), as SQLite's copy is synced
        before it is measured."""
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute("CHECKPOINT")
        os.sync()


@contextlib.contextmanager
def local_server(folder: Path) -> Iterator[Server]:
    """The server whose files are in `folder` (made there by `initdb` if there are none),
    started, and stopped at the end; its files are kept. As root, it runs as the `postgres`
    user that Debian's package creates (PostgreSQL refuses to run as root)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    run_as = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    user = run_as.pw_name if run_as is not None else None
    folder = folder.absolute()
    data = folder / "data"
    if len(str(folder / ".s.PGSQL.5432")) > 100:
        raise RuntimeError(
            f"{folder} is too long a path for PostgreSQL's socket: a shorter --workdir"
        )

    def run(*args: str, check: bool = True) -> int:
        done = subprocess.run(args, capture_output=True, text=True, user=user, cwd=folder)
        if check and done.returncode != 0:  # say why (say, a folder the server may not reach)
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()}")
        return done.returncode

    folder.mkdir(parents=True, exist_ok=True)
    if run_as is not None:
        os.chown(folder, run_as.pw_uid, run_as.pw_gid)
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        (folder / "city.json").unlink(missing_ok=True)
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
    pg_ctl = str(bin_dir / "pg_ctl")
    if run(pg_ctl, "-D", str(data), "status", check=False) == 0:  # left running by a killed run
        run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
    options = f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c max_connections=200"
    run(pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(folder / "server.log"), "start")
    try:
        yield Server(f"postgresql://{USER}@/postgres?host={folder}", folder)
    finally:
        run(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")


def city_on(server: Server, city: Path) -> dict[str, Any]:
    """The city (`city/duban.sqlite3`, its data set described in `city/dataset.json`) in the
    server's database `CITY`: the copy kept from an earlier run if it is of the same data set,
    else copied now (migrated first, as the bot would at start-up). What was done: the URL,
    the seconds the copy took (None: kept) and the database's size."""
    described = city / "dataset.json"
    dataset = json.loads(described.read_text()) if described.exists() else None
    marker = server.folder / "city.json"
    kept = json.loads(marker.read_text()) if marker.exists() else None
    url = server.database(CITY)
    seconds: float | None = None
    if dataset is None or kept is None or kept["dataset"] != dataset or not server.exists(CITY):
        marker.unlink(missing_ok=True)
        asyncio.run(_migrated(city / "duban.sqlite3"))
        started = time.perf_counter()
        to_postgres.copy(city / "duban.sqlite3", server.fresh(CITY))
        seconds = time.perf_counter() - started
        marker.write_text(json.dumps({"dataset": dataset, "copy_seconds": seconds}))
    return {"url": url, "copy_seconds": seconds, "bytes": server.size(CITY)}


async def _migrated(database: Path) -> None:
    store = await open_measured(database)
    await store.close()
