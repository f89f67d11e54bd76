"""A throwaway PostgreSQL server for the tests, from the system's packages: `initdb` in a
temporary folder, listening on a Unix socket there (the URL it gives) and on 127.0.0.1 at a free
port (`over_tcp`: for the test of a machine that vanishes, whose TCP connections the server must
find dead), stopped at the end.

PostgreSQL refuses to run as root: as root (CI), the server runs as the `postgres` user that
Debian's package creates. Without PostgreSQL installed, `binaries()` is None and the tests that
need it are skipped (CI installs it: scripts/install-postgres.sh).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from storage.postgres.database import migrate

USER = "duban"


def binaries() -> Path | None:
    """The folder of `initdb` and `pg_ctl` (the newest version installed), if any."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@contextmanager
def throwaway_server(durable: bool = False) -> Iterator[str]:
    """Start a server; yield the URL of its `postgres` database (user `duban`, no password,
    over the socket, which the port in the URL names); stop it and remove its files at the end. Not `durable` (the tests'):
    no fsync, for speed; `durable` (the benchmarks'): PostgreSQL's defaults, every commit on
    disk."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    as_root = os.geteuid() == 0
    run_as = pwd.getpwnam("postgres") if as_root else None
    folder = Path(tempfile.mkdtemp(prefix="duban-pg-"))
    data, socket_dir = folder / "data", folder
    if run_as is not None:
        os.chown(folder, run_as.pw_uid, run_as.pw_gid)
    user = run_as.pw_name if run_as is not None else None

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, user=user, cwd=folder)

    try:
        # Trusted over the socket in the folder (only this user can reach it); over TCP, a
        # password, made for this server alone: any local user can reach 127.0.0.1.
        password = secrets.token_urlsafe(16)
        (folder / "password").write_text(password)
        if run_as is not None:
            os.chown(folder / "password", run_as.pw_uid, run_as.pw_gid)
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth-local=trust",
            "--auth-host=scram-sha-256", f"--pwfile={folder / 'password'}",
            "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        # The socket in the folder, and 127.0.0.1 at the same port.
        port = _free_port()
        options = (
            f"-c listen_addresses='127.0.0.1' -c port={port}"
            f" -c unix_socket_directories='{socket_dir}' -c max_connections=200"
        )
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
            str(folder / "server.log"), "start")  # fmt: skip
        try:
            yield f"postgresql://{USER}:{password}@/postgres?host={socket_dir}&port={port}"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def over_tcp(url: str) -> str:
    """The same database over TCP to 127.0.0.1 (a URL of `throwaway_server`'s, or of a
    database on it)."""
    parts = urlsplit(url)
    port = dict(pair.split("=", 1) for pair in parts.query.split("&"))["port"]
    return urlunsplit(parts._replace(netloc=f"{parts.netloc}127.0.0.1:{port}", query=""))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Databases:
    """Fresh databases on one server, each a copy of a migrated template (a copy takes a few
    milliseconds; migrating each would take longer)."""

    TEMPLATE = "duban_template"

    def __init__(self, server_url: str) -> None:
        self._server_url = server_url
        self._made = 0
        self._template_ready = False
        self._in_use: list[str] = []

    def url(self, database: str) -> str:
        parts = urlsplit(self._server_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    async def fresh(self) -> str:
        """The URL of a new, migrated, empty database."""
        return self.fresh_now()

    def fresh_now(self) -> str:
        """`fresh`, for code that cannot await (`tests.harness.settings_for`)."""
        with psycopg.connect(self._server_url, autocommit=True) as admin:
            if not self._template_ready:
                admin.execute(f"DROP DATABASE IF EXISTS {self.TEMPLATE}")
                admin.execute(f"CREATE DATABASE {self.TEMPLATE}")
                # In a thread of its own: this may be called inside a test's running loop.
                with ThreadPoolExecutor(1) as thread:
                    thread.submit(asyncio.run, self._migrate_template()).result()
                self._template_ready = True
            self._made += 1
            name = f"test_{os.getpid()}_{self._made}"
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
        self._in_use.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        """Drop the databases made so far (a test's, at its end: each takes a few MB)."""
        if not self._in_use:
            return
        with psycopg.connect(self._server_url, autocommit=True) as admin:
            for name in self._in_use:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._in_use.clear()

    async def _migrate_template(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.url(self.TEMPLATE), autocommit=True
        ) as conn:
            await migrate(conn)
