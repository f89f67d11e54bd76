"""Names of the rules' values (roles, …) in the user's language."""

from __future__ import annotations

from casework.organisation import Organisation
from casework.people import Staff
from casework.roles import Role
from handlers.i18n import N_, Texts

_ROLE = {
    Role.WORKER: N_("frontline worker"),
    Role.MEMBER: N_("department staff"),
    Role.HEAD: N_("department head"),
    Role.COORDINATOR: N_("coordinator"),
}


def role_name(role: Role, t: Texts) -> str:
    return t._(_ROLE[role])


def department_name(code: str | None, org: Organisation, t: Texts) -> str:
    if code is None:
        return t._("no department")
    department = org.department(code)
    return department.name(t.language) if department else code


def describe_person(person: Staff, org: Organisation, t: Texts) -> str:
    """`#12 刘强 · department staff, Roads and Lighting`."""
    if person.department is None:
        return t._(
            "#{id} {name} · {role}", id=person.id, name=person.name, role=role_name(person.role, t)
        )
    return t._(
        "#{id} {name} · {role}, {department}",
        id=person.id,
        name=person.name,
        role=role_name(person.role, t),
        department=department_name(person.department, org, t),
    )
