"""The commands the bot offers, who each is for, and the menus Telegram shows."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand

from casework.roles import Role
from rendering.i18n import N_, texts

EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    roles: frozenset[Role] = EVERYONE


_DEPARTMENTS = frozenset({Role.HEAD, Role.MEMBER, Role.COORDINATOR})
_REPORTS = frozenset({Role.HEAD, Role.COORDINATOR})

COMMANDS: tuple[Command, ...] = (
    Command("new", N_("Log a citizen's issue")),
    Command("my", N_("Issues I reported")),
    Command("inbox", N_("My department's open issues"), _DEPARTMENTS),
    Command("overdue", N_("Overdue issues"), _DEPARTMENTS),
    Command("stats", N_("Department performance: /stats month"), _REPORTS),
    Command("export", N_("Spreadsheet export: /export month"), _REPORTS),
    Command("issue", N_("Show an issue: /issue 2611-0042")),
    Command("note", N_("Add a note: /note 2611-0042 text")),
    Command("start", N_("Start, or open an invitation")),
    Command("help", N_("What you can do here")),
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
    Command("lang", N_("Choose your language")),
    Command("cancel", N_("Stop what you are doing")),
)


def commands_for(role: Role) -> list[Command]:
    return [c for c in COMMANDS if role in c.roles]


def command_menu(language: str) -> list[BotCommand]:
    """The menu Telegram shows beside the message box, in one language (every command: the
    menu is per language, not per role; /help lists a person's own)."""
    t = texts(language)
    return [BotCommand(c.name, t._(c.description)) for c in COMMANDS]
