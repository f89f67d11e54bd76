"""What every handler gets: the use cases' dependencies, the acting person and their words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from casework import throttle
from casework.outbox import Card
from casework.people import Staff
from casework.services import Deps
from casework.services.updates import Fresh
from casework.throttle import Throttle
from config.logs import RepeatedErrors
from config.settings import Settings
from exports.jobs import ExportJobs
from rendering.i18n import Texts, texts

EXPORTS_AT_ONCE = 2


@dataclass
class Resources:
    """What handlers use besides the update, set once when the application starts (post_init).
    (The machinery that runs the bot, the sender and the sweep among it, is not here: no
    handler sits above it; see runtime/app.py.)"""

    settings: Settings
    deps: Deps
    errors: RepeatedErrors  # updates that fail, and other failures that may repeat
    # Exports being built (each a process of a hundred MB or more, two at once); the others wait.
    exports: ExportJobs = field(default_factory=lambda: ExportJobs(EXPORTS_AT_ONCE))
    # How often each person has asked for figures and exports lately.
    stats_asked: Throttle = field(default_factory=lambda: Throttle(throttle.STATS))
    # The updates fetched that the database had never seen: the gate need not ask it about them.
    fresh_updates: Fresh = field(default_factory=Fresh)
    exports_asked: Throttle = field(default_factory=lambda: Throttle(throttle.EXPORTS))


class BotData:
    """`context.bot_data`: holds the resources, filled in at start-up."""

    def __init__(self) -> None:
        self.resources: Resources | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The callback context with the acting person (and the card pressed), looked up once per
    update by the gate."""

    def __init__(
        self, application: BotApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.actor: Staff | None = None
        self.language: str | None = None
        self.card: Card | None = None  # the card pressed, if the bot keeps track of it

    @property
    def resources(self) -> Resources:
        resources = self.bot_data.resources
        if resources is None:
            raise RuntimeError("the application has not been initialised")
        return resources

    @property
    def deps(self) -> Deps:
        return self.resources.deps

    @property
    def t(self) -> Texts:
        return texts(self.language or self.resources.settings.default_language)

    @property
    def staff(self) -> Staff:
        """The acting person; handlers behind the gate can rely on it."""
        if self.actor is None:
            raise RuntimeError("handler reached without a registered person")
        return self.actor


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]
