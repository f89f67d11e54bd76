"""The people who use the bot, and the invitations that bring new ones in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.roles import Role


@dataclass(frozen=True)
class Staff:
    id: int
    telegram_id: int
    name: str
    role: Role
    department: str | None
    active: bool
    language: str | None = None  # saved with /lang; None means "follow Telegram"
    telegram_language: str | None = None  # what their Telegram app said it speaks, last time
    unreachable_since: datetime | None = None  # blocked the bot, or never opened a chat

    def belongs_to(self, department: str | None) -> bool:
        return department is not None and self.department == department


@dataclass(frozen=True)
class NewStaff:
    telegram_id: int
    name: str
    role: Role
    department: str | None


@dataclass(frozen=True)
class Invite:
    code: str
    role: Role
    department: str | None
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None = None
    used_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.used_by is None and now < self.expires_at
