"""The organisation file's departments and categories, mirrored into the database."""

from __future__ import annotations

from datetime import timedelta

from casework.durations import Limit, WorkingDays
from casework.organisation import Category, Department, Names, Organisation
from storage.statements import Row, Statements


class SqlOrganisation:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def sync(self, org: Organisation) -> None:
        """Make the tables match the file. What the file no longer lists is kept, inactive,
        because issues on record still point at it."""
        await self._db.execute("UPDATE departments SET active = 0")
        await self._db.execute("UPDATE categories SET active = 0")
        await self._db.execute_many(
            "INSERT INTO departments (code, name_zh, name_en, group_chat_id, position, active)"
            " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (code) DO UPDATE SET"
            " name_zh = excluded.name_zh, name_en = excluded.name_en,"
            " group_chat_id = excluded.group_chat_id, position = excluded.position, active = 1",
            [
                (d.code, d.name.zh, d.name.en, d.group_chat_id, i)
                for i, d in enumerate(org.departments)
            ],
        )
        limits = _LIMITS
        columns = ", ".join(f"{name}_s, {name}_wd" for name in limits)
        updates = ", ".join(
            f"{name}_s = excluded.{name}_s, {name}_wd = excluded.{name}_wd" for name in limits
        )
        await self._db.execute_many(
            f"INSERT INTO categories (code, name_zh, name_en, department, {columns}, position,"
            " active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (code) DO"
            " UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,"
            f" department = excluded.department, {updates},"
            " position = excluded.position, active = 1",
            [
                (
                    c.code,
                    c.name.zh,
                    c.name.en,
                    c.department,
                    *(part for name in limits for part in _stored(getattr(c, name))),
                    i,
                )
                for i, c in enumerate(org.categories)
            ],
        )

    async def active_department_codes(self) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT code FROM departments WHERE active = 1 ORDER BY position"
        )
        return [row["code"] for row in rows]

    async def active_category_codes(self) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT code FROM categories WHERE active = 1 ORDER BY position"
        )
        return [row["code"] for row in rows]

    async def retired(self) -> tuple[list[Department], list[Category]]:
        """The departments and categories the file no longer lists, as they last were."""
        departments = [
            Department(row["code"], Names(row["name_zh"], row["name_en"]), row["group_chat_id"])
            for row in await self._db.fetch_all(
                "SELECT * FROM departments WHERE active = 0 ORDER BY position"
            )
        ]
        categories = [
            Category(
                row["code"],
                Names(row["name_zh"], row["name_en"]),
                row["department"],
                _limit(row, "respond_within"),
                _limit(row, "resolve_within"),
                _limit(row, "urgent_respond_within"),
                _limit(row, "urgent_resolve_within"),
            )
            for row in await self._db.fetch_all(
                "SELECT * FROM categories WHERE active = 0 ORDER BY position"
            )
        ]
        return departments, categories


_LIMITS = ("respond_within", "resolve_within", "urgent_respond_within", "urgent_resolve_within")


def _stored(limit: Limit) -> tuple[int, int | None]:
    """A category's time as its two columns: seconds, and working days (or NULL)."""
    if isinstance(limit, WorkingDays):
        return limit.days * 86400, limit.days
    return int(limit.total_seconds()), None


def _limit(row: Row, name: str) -> Limit:
    workdays = row[f"{name}_wd"]
    if workdays is not None:
        return WorkingDays(workdays)
    return timedelta(seconds=row[f"{name}_s"])
