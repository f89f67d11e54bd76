"""The organisation: departments, the categories of issues they handle, and a staff roster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from casework.roles import Role

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Names:
    """A name in each language the bot speaks."""

    zh: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class Department:
    code: str
    name: Names
    group_chat_id: int | None = None


@dataclass(frozen=True)
class Category:
    code: str
    name: Names
    department: str
    respond_within: timedelta
    resolve_within: timedelta
    urgent_respond_within: timedelta
    urgent_resolve_within: timedelta


@dataclass(frozen=True)
class RosterEntry:
    telegram_id: int
    name: str
    role: Role
    department: str | None = None


@dataclass(frozen=True)
class AccessPolicy:
    invite_valid_for: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class Organisation:
    name: Names
    departments: tuple[Department, ...]
    categories: tuple[Category, ...]
    roster: tuple[RosterEntry, ...] = ()
    access: AccessPolicy = field(default_factory=AccessPolicy)

    def department(self, code: str) -> Department | None:
        return self._departments_by_code.get(code)

    def category(self, code: str) -> Category | None:
        return self._categories_by_code.get(code)

    @cached_property
    def _departments_by_code(self) -> Mapping[str, Department]:
        return {d.code: d for d in self.departments}

    @cached_property
    def _categories_by_code(self) -> Mapping[str, Category]:
        return {c.code: c for c in self.categories}
