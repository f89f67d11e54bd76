"""Versioned schema migrations: ordered SQL files, each applied in a transaction and recorded.

A file is named `NNNN_what_it_does.sql`; `NNNN` is its version. The versions applied are
kept in `schema_migrations`, so each file runs once per database, in order.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.errors import MigrationError
from storage.migrations import pending

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the file into statements (triggers with `BEGIN … END;` stay whole)."""
        statements, buffer = [], ""
        for line in self.sql.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                if buffer.strip():
                    statements.append(buffer.strip())
                buffer = ""
        if buffer.strip() and not _only_comments(buffer):
            raise MigrationError(f"{self.version:04d}_{self.name}: unfinished statement at end")
        return statements


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text("utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return found


async def applied_versions(conn: aiosqlite.Connection) -> list[int]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT"
    )
    async with conn.execute("SELECT version FROM schema_migrations ORDER BY version") as cur:
        return [row[0] for row in await cur.fetchall()]


async def migrate(
    conn: aiosqlite.Connection, migrations: list[Migration] | None = None
) -> list[int]:
    """Apply every migration not yet recorded; return the versions applied now."""
    migrations = discover() if migrations is None else migrations
    done = set(await applied_versions(conn))
    applied = []
    for migration in pending(migrations, done):
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in migration.statements():
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, int(time.time())),
            )
        except sqlite3.Error as exc:
            await conn.rollback()
            raise MigrationError(f"{migration.version:04d}_{migration.name}: {exc}") from exc
        except BaseException:
            await conn.rollback()
            raise
        await conn.commit()
        applied.append(migration.version)
    return applied
