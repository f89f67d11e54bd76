"""Refusals of the rules. Each is turned into a clear message at the edge (handlers)."""

from __future__ import annotations

from datetime import timedelta


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


class InviteRevoked(CaseworkError):
    """The invitation was withdrawn, or the person who made it no longer has access."""


class OwnInvite(CaseworkError):
    """Someone opening an invitation link they made themselves."""


class NameRequired(CaseworkError):
    """An invitation names the person it is for; none was given."""


class NoSecondCoordinator(CaseworkError):
    """A coordinator's access ends only when a second coordinator confirms, and there is none
    who could (the operator can, through the organisation file)."""


class AlreadyRegistered(CaseworkError):
    """The person opening an invitation already has access."""


class StaffNotFound(CaseworkError):
    """No person has that staff number."""


class CannotDeactivateSelf(CaseworkError):
    """A coordinator may not end their own access (there would be no one to restore it)."""


class IssueNotFound(CaseworkError):
    """No issue has that number (or the person may not see it)."""


class IssueNoLongerOpen(CaseworkError):
    """A repeat call on an issue that was closed or withdrawn meanwhile: a new one is logged."""

    def __init__(self, number: str) -> None:
        super().__init__(number)
        self.number = number


class CannotMerge(CaseworkError):
    """One of two issues to merge is no longer open (closed or withdrawn meanwhile), is
    resolved and waits for its citizen's call-back (`resolved`: it cannot go now), or is a
    complaint (`complaint`: never merged)."""

    def __init__(self, number: str, resolved: bool = False, complaint: bool = False) -> None:
        super().__init__(number, resolved, complaint)
        self.number, self.resolved, self.complaint = number, resolved, complaint


class FollowerCallBackNotAsked(CaseworkError):
    """A follower's call-back that is not asked now: recorded already (`recorded`), or the
    issue is not resolved or closed (reopened, or withdrawn, meanwhile)."""

    def __init__(self, number: str, recorded: bool) -> None:
        super().__init__(number, recorded)
        self.number, self.recorded = number, recorded


class WrongState(CaseworkError):
    """The step no longer fits: the issue moved on (accepted, returned, closed …)."""

    def __init__(
        self,
        action: str,
        status: str,
        last_actor: str | None = None,
        done: bool = False,
        last_step: str | None = None,
    ) -> None:
        super().__init__(action, status)
        self.action, self.status, self.last_actor = action, status, last_actor
        self.done = done  # a once-only step (a call-back, praise) was already taken
        self.last_step = last_step  # the kind of the step that moved it on, if known


class ClosedByCallback(CaseworkError):
    """Confirm closed on an issue with a citizen to call: the call-back closes it (a
    coordinator may close it only once the citizen could not be reached, try after try)."""


class ReasonRequired(CaseworkError):
    """This step needs a written reason."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class TextTooLong(CaseworkError):
    """A text over the limit for its field."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class SameDepartment(CaseworkError):
    """Moving an issue to the department that already has it."""


class NotInDepartment(CaseworkError):
    """Only a member or head of the handling department can be assigned."""


class UnknownCategory(CaseworkError):
    """No category has that code."""


class BadPhone(CaseworkError):
    """A phone number that is not one."""


class BadLocation(CaseworkError):
    """Coordinates outside the globe."""


class TooManyPhotos(CaseworkError):
    """More photos than one issue keeps."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class NoDraft(CaseworkError):
    """There is no issue being written (it was submitted, cancelled or dropped)."""


class DraftExpired(CaseworkError):
    """The draft sat idle too long and was dropped."""


class StaleStep(CaseworkError):
    """A button or answer that no longer fits: an old, garbled or forged press, or one for a
    step of the draft that is not the current one."""


class DraftIncomplete(CaseworkError):
    """Submit pressed before every required field was filled."""


class EmptyText(CaseworkError):
    """A text that was needed came empty."""


class NothingAsked(CaseworkError):
    """An answer came, but no question is waiting for one (it expired or was answered)."""


class PhotoNotExpected(CaseworkError):
    """A photo where only words are asked for (a reason); it was not kept."""


class TooManyRequests(CaseworkError):
    """The person asked for this too often in a short while."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(wait)
        self.wait = wait


class ExportRunning(CaseworkError):
    """The person's previous export is still being built."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.label = label


class NoIssuesWithPhone(CaseworkError):
    """No issue on record has this citizen's phone (or its data was removed already)."""


class PhotoWanted(CaseworkError):
    """Words where the wizard waits for photos (or Done)."""


class ButtonsWanted(CaseworkError):
    """Words where the wizard's step takes a button."""


class NotExpectedNow(CaseworkError):
    """A location or a contact shared where no step takes one."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what  # "location" or "contact"


class LookupEmpty(CaseworkError):
    """`/find` with nothing to look for."""


class LookupTooShort(CaseworkError):
    """`/find` with words of one character: they would find half the city."""

    def __init__(self, shortest: int) -> None:
        super().__init__(shortest)
        self.shortest = shortest


class LookupTooLong(CaseworkError):
    """`/find` with more than a phrase."""

    def __init__(self, longest: int) -> None:
        super().__init__(longest)
        self.longest = longest
