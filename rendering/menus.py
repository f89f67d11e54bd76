"""The commands the bot offers, who each is for, and the menus Telegram shows.

Each person's private chat gets the menu of their role, in their language (set when they write
and theirs differs: handlers/menus.py); strangers and anyone without access see the default
menu (how to get in); department groups see the commands that work there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from telegram import BotCommand

from casework.roles import Role
from rendering.i18n import N_, texts

EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    roles: frozenset[Role] = EVERYONE
    in_groups: bool = False  # it works in a department's group chat too


_DEPARTMENTS = frozenset({Role.HEAD, Role.MEMBER, Role.COORDINATOR})
_REPORTS = frozenset({Role.HEAD, Role.COORDINATOR})

COMMANDS: tuple[Command, ...] = (
    Command("new", N_("Log a citizen's issue")),
    Command("my", N_("Issues I reported")),
    Command("inbox", N_("Open issues to accept or handle"), _DEPARTMENTS),
    Command("overdue", N_("Overdue issues"), _DEPARTMENTS),
    Command("stats", N_("Department performance: /stats month"), _REPORTS),
    Command("export", N_("Spreadsheet export: /export month"), _REPORTS),
    Command("dashboard", N_("The dashboard: ranking, trends, overdue issues, map"), _REPORTS),
    Command("issue", N_("Show an issue: /issue 2611-0042")),
    Command(
        "find",
        N_("Find issues by phone, its last 4 digits, number or words: /find 路灯"),
        in_groups=True,
    ),
    Command("note", N_("Add a note: /note 2611-0042 text"), in_groups=True),
    Command("start", N_("Start, or open an invitation")),
    Command("help", N_("What you can do here"), in_groups=True),
    Command("invite", N_("Invite a person by name (coordinators)"), frozenset({Role.COORDINATOR})),
    Command("invites", N_("Open invitation links (coordinators)"), frozenset({Role.COORDINATOR})),
    Command("staff", N_("List staff"), frozenset({Role.COORDINATOR, Role.HEAD})),
    Command(
        "deactivate", N_("End a person's access (coordinators)"), frozenset({Role.COORDINATOR})
    ),
    Command(
        "redact",
        N_("Remove a citizen's personal data at their request: /redact 13812345678"),
        frozenset({Role.COORDINATOR}),
    ),
    Command(
        "merge",
        N_("Merge two issues that are the same problem: /merge 2611-0042 2611-0057"),
        frozenset({Role.COORDINATOR}),
    ),
    Command("lang", N_("Choose your language")),
    Command("cancel", N_("Stop what you are doing")),
)
# What someone without access can do: ask how to get in, or open an invitation link.
STRANGERS = ("start", "help")


def commands_for(role: Role) -> list[Command]:
    return [c for c in COMMANDS if role in c.roles]


def command_menu(role: Role | None, language: str) -> list[BotCommand]:
    """The menu of a role (None: of someone without access), in one language."""
    t = texts(language)
    chosen = (
        commands_for(role) if role is not None else [c for c in COMMANDS if c.name in STRANGERS]
    )
    return [BotCommand(c.name, t._(c.description)) for c in chosen]


def group_menu(language: str) -> list[BotCommand]:
    """The menu in department groups: the commands that work there."""
    t = texts(language)
    return [BotCommand(c.name, t._(c.description)) for c in COMMANDS if c.in_groups]


@cache  # the gate asks for every update; the words are fixed while the bot runs
def menu_version(role: Role, language: str) -> str:
    """Names the menu a person should see, as stored with them: their role and language, and a
    digest of its commands and words, so that a release that changes them sets it again."""
    menu = command_menu(role, language)
    words = "\n".join(f"{c.command} {c.description}" for c in menu).encode()
    return f"{role.value}:{language}:{hashlib.sha256(words).hexdigest()[:12]}"
