"""Turn the rules' refusals into plain words for the person who was refused."""

from __future__ import annotations

from casework import errors
from handlers.i18n import Texts


def explain(error: errors.CaseworkError, t: Texts) -> str:
    match error:
        case errors.NotAllowed(action="inactive"):
            return t._("Your access has ended. Ask the coordination office if this is a mistake.")
        case errors.NotAllowed():
            return t._("You may not do that with your role.")
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
        case errors.AlreadyRegistered():
            return t._("You already have access; the invitation was not used.")
        case errors.StaffNotFound():
            return t._("No active person has that number. /staff lists them.")
        case errors.CannotDeactivateSelf():
            return t._("You cannot end your own access.")
    return t._("That could not be done.")
