"""Copy a SQLite database of the bot (the benchmark's city) into an empty PostgreSQL database,
table by table, so that the same data set is measured on both engines (BENCHMARKS.md).

    python -m benchmarks.to_postgres SQLITE_FILE POSTGRESQL_URL

The target is migrated first (storage/postgres/migrations); the rows go by COPY with the
triggers and foreign keys of the target off while they do (`session_replication_role`, which
needs a superuser: the benchmark's throwaway server has one), then /find's words are indexed
as the bot indexes them, the identity sequences moved past the copied ids, and everything
ANALYZEd. What only SQLite has (its FTS5 tables, the migrations' record) is not copied.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

import psycopg

from storage.postgres.database import migrate
from storage.postgres.statements import POSTGRESQL
from storage.repositories.words import words_of

# In an order the foreign keys allow (they are off during the copy, but a reader of this list
# should not have to wonder).
TABLES = (
    "departments", "categories", "staff", "access_log", "deactivation_requests", "invites",
    "invite_drafts", "issue_counters", "issues", "issue_photos", "issue_assists",
    "issue_followers", "issue_events", "cards", "daily_figures", "monthly_figures", "digests",
    "drafts", "prompts", "exports_running", "outbox", "incoming_updates", "processed_updates",
    "redaction_requests",
)  # fmt: skip
GENERATED = {"issues": {"phone_digits"}}  # computed by the target itself
BATCH = 50_000


async def _migrate(url: str) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate(conn)


def copy(source: Path, url: str) -> dict[str, int]:
    """Copy every table; the rows copied per table."""
    asyncio.run(_migrate(url))
    copied: dict[str, int] = {}
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    with psycopg.connect(url) as pg:
        pg.execute("SET session_replication_role = replica")
        for table in TABLES:
            copied[table] = _copy_table(lite, pg, table)
        copied["issue_words"] = _index_words(lite, pg)
        for table, column in (
            ("staff", "id"), ("access_log", "id"), ("invites", "rowid"), ("invite_drafts", "id"),
            ("issues", "id"), ("issue_events", "id"), ("outbox", "id"),
        ):  # fmt: skip
            pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )
        pg.commit()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("ANALYZE")
    return copied


def _copy_table(lite: sqlite3.Connection, pg: psycopg.Connection, table: str) -> int:
    theirs = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
    ours = {
        row[0]
        for row in pg.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
        )
    }
    columns = [c for c in theirs if c in ours and c not in GENERATED.get(table, set())]
    if table == "invites":  # SQLite's rowid is the invitation's number: a column here
        columns = ["rowid", *columns]
    names = ", ".join(columns)
    rows = 0
    with pg.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as out:
        for row in lite.execute(f"SELECT {names} FROM {table}"):
            out.write_row(row)
            rows += 1
    return rows


def _index_words(lite: sqlite3.Connection, pg: psycopg.Connection) -> int:
    assisting: dict[int, list[str]] = defaultdict(list)
    for issue_id, department in lite.execute("SELECT issue_id, department FROM issue_assists"):
        assisting[issue_id].append(department)
    rows = 0
    with pg.cursor().copy("COPY issue_words (rowid, words) FROM STDIN") as out:
        query = "SELECT id, description, address, reporter_id, department FROM issues"
        for issue_id, description, address, reporter, department in lite.execute(query):
            tokens = words_of(description, address, reporter, department, assisting[issue_id])
            out.write_row((issue_id, POSTGRESQL.words(tokens)))
            rows += 1
    return rows


def main() -> int:
    source, url = Path(sys.argv[1]), sys.argv[2]
    started = time.perf_counter()
    copied = copy(source, url)
    print(json.dumps(copied | {"seconds": round(time.perf_counter() - started, 1)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
