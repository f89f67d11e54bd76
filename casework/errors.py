"""Refusals of the rules. Each is turned into a clear message at the edge (handlers)."""

from __future__ import annotations


class CaseworkError(Exception):
    """A request the rules refuse; nothing was changed."""


class NotAllowed(CaseworkError):
    """The person may not take this step."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class UnknownDepartment(CaseworkError):
    """No department has that code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class DepartmentRequired(CaseworkError):
    """Members and heads belong to a department; none was given."""


class InviteNotFound(CaseworkError):
    """No invitation has that code."""


class InviteExpired(CaseworkError):
    """The invitation's time ran out."""


class InviteUsed(CaseworkError):
    """Someone already used this one-time invitation."""


class AlreadyRegistered(CaseworkError):
    """The person opening an invitation already has access."""


class StaffNotFound(CaseworkError):
    """No person has that staff number."""


class CannotDeactivateSelf(CaseworkError):
    """A coordinator may not end their own access (there would be no one to restore it)."""
