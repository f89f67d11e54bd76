"""Who may manage whom: invitations, the staff list and deactivation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.errors import (
    CannotDeactivateSelf,
    DepartmentRequired,
    InviteExpired,
    InviteUsed,
    NotAllowed,
    UnknownDepartment,
)
from casework.organisation import Organisation
from casework.people import Invite, Staff
from casework.roles import Role


def check_may_invite(actor: Staff, role: Role, department: str | None, org: Organisation) -> None:
    """Only coordinators invite; members and heads need an existing department."""
    if actor.role is not Role.COORDINATOR:
        raise NotAllowed("invite")
    if department is None and role.needs_department:
        raise DepartmentRequired()
    if department is not None and org.department(department) is None:
        raise UnknownDepartment(department)


@dataclass(frozen=True)
class Reach:
    """The departments a person may look into: all of them, or one."""

    everywhere: bool = False
    department: str | None = None

    def includes(self, department: str | None) -> bool:
        return self.everywhere or (department is not None and department == self.department)


def staff_reach(actor: Staff) -> Reach:
    """Coordinators list everyone; a head lists their own department."""
    if actor.role is Role.COORDINATOR:
        return Reach(everywhere=True)
    if actor.role is Role.HEAD:
        return Reach(department=actor.department)
    raise NotAllowed("list_staff")


def check_may_deactivate(actor: Staff, target: Staff) -> None:
    if actor.role is not Role.COORDINATOR:
        raise NotAllowed("deactivate")
    if actor.id == target.id:
        raise CannotDeactivateSelf()


def check_invite_usable(invite: Invite, now: datetime) -> None:
    if invite.used_by is not None:
        raise InviteUsed()
    if now >= invite.expires_at:
        raise InviteExpired()
