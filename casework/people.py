"""The people who use the bot, and the invitations that bring new ones in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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
    telegram_name: str | None = None  # as their Telegram profile says: shown beside `name`
    from_roster: bool = False  # the organisation file's roster lists them
    # When their present access began: joined, let back in, or given another role. Links they
    # made before it died with the access they were made under.
    joined_at: datetime | None = None
    # The command menu last set for their private chat (`rendering/menus.py` names it), if any.
    menu: str | None = None

    def belongs_to(self, department: str | None) -> bool:
        return department is not None and self.department == department


@dataclass(frozen=True)
class NewStaff:
    telegram_id: int
    name: str
    role: Role
    department: str | None
    telegram_name: str | None = None


@dataclass(frozen=True)
class Invite:
    code: str
    role: Role
    department: str | None
    created_by: int
    created_at: datetime
    expires_at: datetime
    name: str | None = None  # whom it is for, as the coordinator typed it (None: older links)
    used_by: int | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.used_by is None and self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class InviteDraft:
    """A name typed for an invitation while its role and department are picked."""

    id: int
    staff_id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class DeactivationRequest:
    """A coordinator asked to end another coordinator's access; a second one must confirm."""

    target_id: int
    requested_by: int
    requested_at: datetime


class AccessAction(StrEnum):
    INVITED = "invited"  # a link made (for `name`, `role`, `department`)
    JOINED = "joined"  # someone came in through the actor's link
    REVOKED = "revoked"  # a link withdrawn before anyone used it
    DEACTIVATION_REQUESTED = "deactivation_requested"  # a coordinator's, to be confirmed
    DEACTIVATED = "deactivated"
    ROSTER_ADDED = "roster_added"  # by the organisation file (no actor)
    ROSTER_CHANGED = "roster_changed"  # another role or department (`role`, `department`)
    ROSTER_REMOVED = "roster_removed"  # the line removed, or `active = false`


@dataclass(frozen=True)
class AccessEntry:
    """One line of the access log: who let whom in, or ended whose access."""

    at: datetime
    action: AccessAction
    actor_id: int | None  # None: the organisation file
    target_id: int | None = None
    role: Role | None = None
    department: str | None = None
    name: str | None = None
