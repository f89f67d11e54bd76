"""Who may manage whom: invitations, the staff list and deactivation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.errors import (
    CannotDeactivateSelf,
    CaseworkError,
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


def confirms(
    request: DeactivationRequest | None,
    requester: Staff | None,
    actor: Staff,
    independent: bool,
    now: datetime,
) -> bool:
    """Whether the actor's word is the second one: another coordinator, still one, asked
    lately, and the two came in independently of each other (`independent`: see
    `independent_roots`)."""
    return (
        request is not None
        and requester is not None
        and requester.active
        and requester.role is Role.COORDINATOR
        and request.requested_by != actor.id
        and independent
        and now - request.requested_at < REQUEST_VALID_FOR
    )


def independent_roots(one: int, other: int) -> bool:
    """Two coordinators are independent when the chains of invitations that brought them in
    start with different people (each chain ends at someone the organisation file lists, or at
    the earliest the log knows). Otherwise one person could invite a second account of their
    own, or two, and be both the one who asks and the one who confirms. (`one` and `other`
    are the first people of the two chains.)"""
    return one != other


def check_may_manage_invites(actor: Staff) -> None:
    if actor.role is not Role.COORDINATOR:
        raise NotAllowed("invite")


def invite_works(invite: Invite, maker: Staff | None, org: Organisation) -> bool:
    """A link works only while the person who made it could make it now: with access, still a
    coordinator (the department still there), and not let back in since (links made before
    their access ended died with it). Revoked links never work."""
    if invite.revoked_at is not None or maker is None or not maker.active:
        return False
    if maker.joined_at is not None and invite.created_at < maker.joined_at:
        return False
    try:
        check_may_invite(maker, invite.role, invite.department, org)
    except CaseworkError:
        return False
    return True


def check_invite_usable(
    invite: Invite, now: datetime, maker: Staff | None, opener: Staff | None, org: Organisation
) -> None:
    """A link works once, until it expires, while it works for its maker (`invite_works`), and
    never for the person who made it: a deactivated coordinator cannot let themselves back in,
    nor anyone else, with links made before."""
    if opener is not None and opener.id == invite.created_by:
        raise OwnInvite()
    if not invite_works(invite, maker, org):
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
