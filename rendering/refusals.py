"""Turn the rules' refusals into plain words for the person who was refused."""

from __future__ import annotations

from casework import errors
from casework.issues import EventKind, Status
from rendering.i18n import N_, Texts

_ALREADY = {
    Status.PENDING: N_("Too late: the issue is now waiting for its department to accept it."),
    Status.ACCEPTED: N_("Too late: the issue was already accepted."),
    Status.RETURNED: N_("Too late: the issue was already returned."),
    Status.RESOLVED: N_("Too late: the issue was already resolved."),
    Status.CLOSED: N_("Too late: the issue is already closed."),
    Status.WITHDRAWN: N_("Too late: the issue was withdrawn."),
}
_ALREADY_BY = {
    Status.PENDING: N_("Too late: {who} already handed the issue on; it waits to be accepted."),
    Status.ACCEPTED: N_("Too late: {who} already accepted the issue."),
    Status.RETURNED: N_("Too late: {who} already returned the issue."),
    Status.RESOLVED: N_("Too late: {who} already resolved the issue."),
    Status.CLOSED: N_("Too late: {who} already closed the issue."),
    Status.WITHDRAWN: N_("Too late: {who} withdrew the issue."),
}


def explain(error: errors.CaseworkError, t: Texts) -> str:
    match error:
        case errors.NotAllowed(action="inactive"):
            return t._("Your access has ended. Ask the coordination office if this is a mistake.")
        case errors.NotAllowed():
            return t._("You may not do that with your role.")
        case errors.WrongState(last_step=EventKind.REOPENED, last_actor=who) if who:
            # Accepted again by the reopening (a call-back's, or anyone's): say what happened.
            return t._("Too late: {who} already sent the issue back for rework.", who=who)
        case errors.WrongState(status=status, last_actor=who):
            state = Status(status)
            if who:
                return t._(_ALREADY_BY[state], who=who)
            return t._(_ALREADY[state])
        case errors.UnknownDepartment(code=code):
            return t._("There is no department “{code}”.", code=code)
        case errors.DepartmentRequired():
            return t._("Department staff and heads need a department.")
        case errors.InviteNotFound():
            return t._(
                "This invitation link is not valid. Ask the coordination office for a new one."
            )
        case errors.InviteExpired():
            return t._(
                "This invitation link has expired. Ask the coordination office for a new one."
            )
        case errors.InviteUsed():
            return t._("This invitation link was already used. Each link works once.")
        case errors.InviteRevoked():
            return t._(
                "This invitation link no longer works (it was revoked, or the person who made it "
                "no longer has access). Ask the coordination office for a new one."
            )
        case errors.OwnInvite():
            return t._("You made this invitation link; it is for the person you invited.")
        case errors.NameRequired():
            return t._("Please add the person's name, as others should see it.")
        case errors.NoSecondCoordinator():
            return t._(
                "A coordinator's access ends only when a second coordinator who came in "
                "independently of you (not through your invitations, nor you through theirs) "
                "confirms, and there is none. The operator can end it in the organisation file "
                "(active = false on the person's [[staff]] entry)."
            )
        case errors.AlreadyRegistered():
            return t._("You already have access; the invitation was not used.")
        case errors.StaffNotFound():
            return t._("No active person has that number. /staff lists them.")
        case errors.CannotDeactivateSelf():
            return t._("You cannot end your own access.")
        case errors.IssueNotFound():
            return t._("No issue with that number that you may see. Numbers look like 2611-0042.")
        case errors.FollowerCallBackNotAsked(number=number, recorded=True):
            return t._("Your call-back of {number} is recorded already.", number=number)
        case errors.FollowerCallBackNotAsked(number=number):
            return t._(
                "{number} is not resolved now (reopened or withdrawn meanwhile): its call-back "
                "waits until it is resolved.",
                number=number,
            )
        case errors.CannotMerge(number=number, complaint=True):
            return t._(
                "{number} is a complaint: complaints are not merged with other issues.",
                number=number,
            )
        case errors.CannotMerge(number=number, resolved=True):
            return t._(
                "{number} is resolved and waits for its citizen's call-back: record it (or "
                "reopen the issue) before merging.",
                number=number,
            )
        case errors.CannotMerge(number=number):
            return t._("{number} is closed or withdrawn: there is nothing to merge.", number=number)
        case errors.IssueNoLongerOpen(number=number):
            return t._(
                "{number} is no longer open (closed or withdrawn meanwhile): log this call as a "
                "new issue.",
                number=number,
            )
        case errors.ClosedByCallback():
            return t._(
                "This issue has the citizen's phone: it is closed by calling them back "
                "(📞 Record the call-back). The coordination office may close it only once the "
                "citizen could not be reached, try after try."
            )
        case errors.ReasonRequired():
            return t._("Please write a reason; it goes on the record.")
        case errors.EmptyText():
            return t._("That was empty. Please write something.")
        case errors.TextTooLong(limit=limit):
            return t._("That is too long: at most {limit} characters, please.", limit=limit)
        case errors.LookupEmpty():
            return t._(
                "What should I look for? For example: /find 13812345678, /find 5678 (the last "
                "four digits of a phone), /find 2611-0042, or /find 路灯 (words of the "
                "description or the address)."
            )
        case errors.LookupTooShort(shortest=shortest):
            return t._(
                "Too short to look for: at least {n} characters (or a phone's last four "
                "digits), please.",
                n=shortest,
            )
        case errors.LookupTooLong(longest=longest):
            return t._(
                "Too long to look for: at most {n} characters. A few words of the description "
                "or the address are enough.",
                n=longest,
            )
        case errors.SameDepartment():
            return t._("That department already has this issue.")
        case errors.NotInDepartment():
            return t._("Only staff of the department that has the issue can be assigned.")
        case errors.UnknownCategory():
            return t._("There is no such category; please choose one of the buttons.")
        case errors.BadPhone():
            return t._(
                "That does not look like a phone number (5 to 15 digits). Try again, or skip."
            )
        case errors.BadLocation():
            return t._(
                "That location is not on the map. Share it again, type the address, or skip."
            )
        case errors.TooManyPhotos(limit=limit):
            return t._("At most {limit} photos per issue; that one was not kept.", limit=limit)
        case errors.NoDraft():
            return t._(
                "That issue is no longer being written (submitted or cancelled). /new starts another."
            )
        case errors.DraftExpired():
            return t._(
                "Your unfinished issue was dropped after 30 minutes without activity. /new starts again."
            )
        case errors.StaleStep():
            return t._("This button is no longer valid.")
        case errors.DraftIncomplete():
            return t._("Some required answers are missing; press Edit to fill them in.")
        case errors.PhotoNotExpected():
            return t._("A photo cannot go with this; please write the reason in words.")
        case errors.NothingAsked():
            return t._("That question has expired. Press the button on the card again.")
        case errors.PhotoWanted():
            return t._("Please send a photo, or press Done.")
        case errors.ButtonsWanted():
            return t._("Please use the buttons above.")
        case errors.NotExpectedNow(what="location"):
            return t._("A location is not expected now.")
        case errors.NotExpectedNow():
            return t._("A contact is not expected now.")
        case errors.TooManyRequests(wait=wait):
            minutes = max(1, -(-int(wait.total_seconds()) // 60))
            return t.n_(
                "You asked for this many times in a short while. Please try again in {n} minute.",
                "You asked for this many times in a short while. Please try again in {n} minutes.",
                minutes,
            )
        case errors.ExportRunning(label=label):
            return t._(
                "Your export of {period} is still being built; I will send it here when it is "
                "ready.",
                period=label,
            )
    return t._("That could not be done.")
