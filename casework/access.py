"""Who may manage whom: invitations, the staff list and deactivation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.errors import (
    CannotDeactivateSelf,
    DepartmentRequired,
    InviteExpired,
    InviteRevoked,
    InviteUsed,
    NameRequired,
    NotAllowed,
    OwnInvite,
    TextTooLong,
    UnknownDepartment,
)
from casework.limits import NAME_MAX
from casework.organisation import Organisation
from casework.people import DeactivationRequest, Invite, Staff
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


# How long a request to end a coordinator's access waits for a second coordinator.
REQUEST_VALID_FOR = timedelta(days=1)


def needs_a_second_coordinator(target: Staff) -> bool:
    """One coordinator alone cannot lock out the others: a coordinator's access ends only when a
    second coordinator confirms. (Workers, members and heads: one coordinator is enough.)"""
    return target.role is Role.COORDINATOR


def confirms(request: DeactivationRequest | None, actor: Staff, now: datetime) -> bool:
    """Whether the actor's word is the second one: another coordinator asked, lately."""
    return (
        request is not None
        and request.requested_by != actor.id
        and now - request.requested_at < REQUEST_VALID_FOR
    )


def check_may_manage_invites(actor: Staff) -> None:
    if actor.role is not Role.COORDINATOR:
        raise NotAllowed("invite")


def check_invite_usable(
    invite: Invite, now: datetime, maker: Staff | None, opener: Staff | None
) -> None:
    """A link works once, until it expires, while the coordinator who made it has access, and
    not for the person who made it: a deactivated coordinator cannot let themselves back in,
    nor anyone else, with links made before."""
    if opener is not None and opener.id == invite.created_by:
        raise OwnInvite()
    if invite.revoked_at is not None or maker is None or not maker.active:
        raise InviteRevoked()
    if invite.used_by is not None:
        raise InviteUsed()
    if now >= invite.expires_at:
        raise InviteExpired()


def clean_name(text: str) -> str:
    """A person's name as others will see it: one line, spaces tidied, within the limit."""
    name = " ".join(text.split())
    if not name:
        raise NameRequired()
    if len(name) > NAME_MAX:
        raise TextTooLong(NAME_MAX)
    return name
