"""The playground: the real bot, its built-in Telegram (the emulator) and the page's server, in
one asyncio loop, on a district, a database and a clock of its own (under data/playground/)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from telegram import Update

from casework.organisation import Organisation
from casework.roles import Role
from casework.services import Deps
from config.org import parse_organisation
from config.settings import Settings
from emulator import BotApiEmulator, EmulatedGroup, EmulatedUser
from handlers.context import BotApplication
from playground.clock import PlaygroundClock
from playground.drills import Drill, load_drills, progress, unknown_codes
from playground.keeping import ChatKeeper
from runtime.app import Machinery, StoppingApplication, build_application

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "playground"
DISTRICT = Path(__file__).resolve().parent / "district.toml"
TOKEN = "9000000:playground-not-a-telegram-token"
SWEEP_SECONDS = 1.5
MORNING = time_of_day(8, 30)
# A move sweeps at each moment something falls due on the way; at most this many (a day of a
# busy playground's reminders).
MAX_SWEEPS_A_MOVE = 500
DELIVERY_WAIT_SECONDS = 30.0  # for what each sweep of a move queued to go out
# Telegram's languages for the two the bot speaks, as a person's app sends them.
TELEGRAM_LANGUAGE = {"zh": "zh-hans", "en": "en"}
Move = Literal["hour", "day", "morning", "deadline"]
MOVES: tuple[str, ...] = ("hour", "day", "morning", "deadline")
DASHBOARD_ROLES = (Role.COORDINATOR, Role.HEAD)


class PlaygroundSettings(Settings):
    """The bot's settings, from what the playground passes only: never the environment nor
    .env (no BOT_TOKEN, DATABASE_URL, ORG_FILE or proxy of a real deployment)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@dataclass
class Person:
    """One phone on the page: a person's private chat, or a group and who types in it."""

    key: str
    chat_id: int
    name: str
    role: dict[str, str]
    kind: Literal["private", "group"]
    user: EmulatedUser  # who types in this pane
    group: EmulatedGroup | None = None
    member: str | None = None  # in a group pane, the key of the person who types

    @property
    def language(self) -> str:
        return "en" if (self.user.language_code or "").startswith("en") else "zh"


@dataclass(frozen=True)
class District:
    org: Organisation
    page: dict[str, Any]  # the [playground] table: people, groups, places, map, samples

    @classmethod
    def load(cls, path: Path = DISTRICT) -> District:
        raw = tomllib.loads(path.read_text("utf-8"))
        page = raw.pop("playground")
        return cls(parse_organisation(raw, source=str(path)), page)


class Events:
    """What the page hears of over /api/live: every listener gets every event, in order;
    a chat's change not yet taken is not queued twice."""

    def __init__(self) -> None:
        self._queues: list[asyncio.Queue[dict[str, Any]]] = []

    def subscribe(self) -> tuple[asyncio.Queue[dict[str, Any]], Callable[[], None]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues.append(queue)
        return queue, lambda: self._queues.remove(queue)

    def publish(self, event: dict[str, Any]) -> None:
        for queue in self._queues:
            if event["type"] in ("chat", "drill") and event in queue._queue:  # type: ignore[attr-defined]
                continue
            queue.put_nowait(event)


@dataclass
class Playground:
    data: Path = DATA
    district_file: Path = DISTRICT
    sweep_seconds: float = SWEEP_SECONDS
    # For tests: the application (one that says when it has handled an update) and the real
    # time the playground's clock runs from.
    application_class: type[StoppingApplication] = StoppingApplication
    real_time: Callable[[], datetime] | None = None
    district: District = field(init=False)
    api: BotApiEmulator = field(init=False)
    clock: PlaygroundClock = field(init=False)
    keeper: ChatKeeper = field(init=False)
    app: BotApplication | None = field(init=False, default=None)
    people: list[Person] = field(init=False, default_factory=list)
    drills: list[Drill] = field(init=False, default_factory=list)
    events: Events = field(init=False, default_factory=Events)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

    @property
    def database(self) -> Path:
        return self.data / "duban.sqlite3"

    @property
    def drill_file(self) -> Path:
        """Which drill runs and since when (by the playground's clock): kept on disk, as the
        clock is, so a restart goes on with it."""
        return self.data / "drill.json"

    @property
    def settings(self) -> Settings:
        return PlaygroundSettings(
            bot_token=SecretStr(TOKEN),
            bot_api_base_url=self.api.base_url,
            database_url=f"sqlite:///{self.database}",
            database_path=None,
            org_file=self.district_file,
            timezone="Asia/Shanghai",
            default_language="zh",
            sweep_interval_seconds=self.sweep_seconds,
            telegram_proxy=None,
            database_lock_wait_seconds=5,
            # The dashboard, served by the bot in this process on a port of its own; the
            # playground's page reaches it through its own server (web.py, /dashboard/).
            dashboard_listen="127.0.0.1:0",
        )

    async def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        self.district = District.load(self.district_file)
        # Update and message numbers past any earlier run's: the bot skips updates it has
        # handled, and its edits of cards an earlier run sent must not land on new messages.
        first = int(time.time() * 1000)
        self.api = BotApiEmulator(
            token=TOKEN,
            username="duban_playground_bot",
            first_update_id=first,
            first_message_id=first,
        )
        await self.api.start()
        self.keeper = ChatKeeper(self.api, self.data)
        self.keeper.restore()  # what the phones showed when it last stopped
        zone = self.settings.zone
        self.clock = PlaygroundClock(self.data / "clock.json", zone, self.real_time)
        if not (self.data / "clock.json").exists():
            self.clock.start_on_a_working_morning()
        self.api.now = self.clock.now
        self.api.listen(self._changed)
        self.people = self._people()
        self.drills = load_drills()
        for drill in self.drills:
            if missing := unknown_codes(drill, self.district.org):
                raise ValueError(f"drill {drill.id!r} names what the district lacks: {missing}")
        await self._start_bot()

    async def stop(self) -> None:
        await self._stop_bot()
        if hasattr(self, "api"):
            if hasattr(self, "keeper"):
                self.keeper.save()
            await self.api.stop()

    async def reset(self) -> None:
        """Everything afresh: the bot stopped, its database, the clock and the drill gone, the
        chats emptied, the people back to Chinese; then the bot starts again."""
        async with self._lock:
            await self._stop_bot()
            for leftover in self.data.glob(f"{self.database.name}*"):
                leftover.unlink()
            self.clock.reset()
            self.clock.start_on_a_working_morning()
            self.drill_file.unlink(missing_ok=True)
            self.api.clear_chats()
            self.keeper.forget()
            for person in self.people:
                person.user.language_code = TELEGRAM_LANGUAGE["zh"]
            await self._start_bot()
        self.events.publish({"type": "reset"})

    # ------------------------------------------------------------------ reading
    def person(self, chat_id: int) -> Person | None:
        return next((p for p in self.people if p.chat_id == chat_id), None)

    @property
    def deps(self) -> Deps:
        assert self.app is not None and self.app.bot_data.resources is not None
        return self.app.bot_data.resources.deps

    @property
    def machinery(self) -> Machinery:
        assert isinstance(self.app, StoppingApplication) and self.app.machinery is not None
        return self.app.machinery

    def opens_dashboard(self, person: Person) -> bool:
        """A coordinator's or a department head's own chat: the people the bot gives the
        dashboard's menu button."""
        if person.kind != "private":
            return False
        return any(
            entry.telegram_id == person.chat_id and entry.active and entry.role in DASHBOARD_ROLES
            for entry in self.district.org.roster
        )

    @property
    def dashboard_port(self) -> int | None:
        """Where the running bot serves the dashboard (on the loopback), if it does."""
        if self.app is None or not isinstance(self.app, StoppingApplication):
            return None
        machinery = self.app.machinery
        server = machinery.dashboard if machinery is not None else None
        return server.port if server is not None else None

    def drill(self, drill_id: str) -> Drill | None:
        return next((d for d in self.drills if d.id == drill_id), None)

    async def drill_progress(self) -> dict[str, Any] | None:
        """The running drill's progress as the page shows it, read from the issues' timelines
        (the summary's time by the bot's clock, `seconds`, and by the trainee's, which the
        clock's moves do not lengthen, `real_seconds`); None if none runs."""
        try:
            running = json.loads(self.drill_file.read_text("utf-8"))
            drill = self.drill(running["id"])
            started = datetime.fromisoformat(running["started"])
            real_started = datetime.fromisoformat(running["real_started"])
            before = [int(i) for i in running["before"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if drill is None or self.app is None or self.app.bot_data.resources is None:
            return None
        people = {p.user.id: p.key for p in self.people if p.kind == "private"}
        found = await progress(self.deps, drill, started, people, self.clock.now(), before)
        shown = found.to_json()
        if shown["summary"] is not None:
            if "real_finished" not in running:  # first seen finished: now, as near as it gets
                running["real_finished"] = self._real_now().isoformat()
                self.drill_file.write_text(json.dumps(running), "utf-8")
            took = datetime.fromisoformat(running["real_finished"]) - real_started
            shown["summary"]["real_seconds"] = round(took.total_seconds())
        return shown

    async def start_drill(self, drill: Drill) -> dict[str, Any] | None:
        """Begin `drill` now (a running one is dropped): only what is done from now counts."""
        now = self.clock.now()
        async with self.deps.store.reading() as tx:  # logged in this very second, before it
            before = [i.id for i in await tx.issues.logged_since(now - timedelta(seconds=1), 50)]
        running = {
            "id": drill.id,
            "started": now.isoformat(),
            "real_started": self._real_now().isoformat(),
            "before": before,
        }
        self.drill_file.write_text(json.dumps(running), "utf-8")
        self.events.publish({"type": "drill"})
        return await self.drill_progress()

    async def next_deadline(self) -> datetime | None:
        if self.app is None or self.app.bot_data.resources is None:
            return None  # between a Reset's stop and start: none to tell
        async with self.deps.store.reading() as tx:
            return await tx.issues.next_deadline(self.clock.now())

    # ------------------------------------------------------------------- acting
    async def move_clock(self, move: str) -> None:
        """Move the clock forward through every moment something falls due on the way (each
        reminder rung, the morning digest, the weekly report), sweeping at each as the bot
        would have then: a day passed in one press brings the day's reminders one by one,
        not one that sums them up."""
        now = self.clock.now()
        if move == "hour":
            target = now + timedelta(hours=1)
        elif move == "day":
            target = now + timedelta(days=1)
        elif move == "morning":
            target = self._next_local(now, MORNING)
        elif move == "deadline":
            deadline = await self.next_deadline()
            target = now if deadline is None else deadline + timedelta(minutes=1)  # missed
        else:
            raise ValueError(move)
        for _ in range(MAX_SWEEPS_A_MOVE):
            here = self.clock.now()
            if here >= target:
                break
            async with self.deps.store.reading() as tx:
                rung = await tx.issues.next_reminder(here)
            policy = self.district.org.reminders
            due = [
                rung,
                self._next_local(here, policy.digest_at),
                self._next_local(here, policy.weekly_at, policy.weekly_day),
            ]
            self.clock.to(min((d for d in due if d is not None and d < target), default=target))
            self.events.publish({"type": "clock"})
            await self.machinery.sweeper.sweep_once()
            # Delivered before the clock moves on, as they would have been then (a reminder
            # still queued when the next one about its issue comes is superseded by it).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(DELIVERY_WAIT_SECONDS):
                    await self.machinery.sender.drained()
        self.events.publish({"type": "clock"})
        if self.drill_file.exists():
            self.events.publish({"type": "drill"})

    def _next_local(self, after: datetime, at: time_of_day, weekday: int | None = None) -> datetime:
        """The next `at` local time (on `weekday`, if given) later than `after`."""
        zone = self.clock.zone
        day = after.astimezone(zone).date()
        while True:
            moment = datetime.combine(day, at, tzinfo=zone)
            if moment > after and (weekday is None or day.weekday() == weekday):
                return moment
            day += timedelta(days=1)

    # ------------------------------------------------------------------- inside
    def _real_now(self) -> datetime:
        return self.real_time() if self.real_time is not None else datetime.now(UTC)

    def _changed(self, chat_id: int) -> None:
        """A chat changed. Every step the bot takes tells someone (after its commit), so it
        is also when a running drill may have moved on: the page re-reads it."""
        self.events.publish({"type": "chat", "chat_id": chat_id})
        self.keeper.changed(chat_id)
        if self.drill_file.exists():
            self.events.publish({"type": "drill"})

    def _people(self) -> list[Person]:
        page = self.district.page
        people: dict[str, Person] = {}
        for entry in page["people"]:
            user = EmulatedUser(
                self.api, entry["telegram_id"], entry["name"], language_code="zh-hans"
            )
            # Staff have opened their chat with the bot (as they do when they join): what it
            # sends them arrives whether or not their phone on the page was opened yet.
            self.api.known_chats.add(user.id)
            people[entry["key"]] = Person(
                entry["key"], user.id, entry["name"], entry["role"], "private", user
            )
        groups = []
        for entry in page.get("groups", []):
            group = EmulatedGroup(self.api, entry["chat_id"], entry["name"])
            member = people[entry["member"]]
            groups.append(
                Person(
                    entry["key"],
                    group.chat_id,
                    entry["name"],
                    entry["role"],
                    "group",
                    member.user,
                    group=group,
                    member=member.key,
                )
            )
        return [*people.values(), *groups]

    async def _start_bot(self) -> None:
        app = build_application(
            self.settings,
            self.district.org,
            clock=self.clock,
            application_class=self.application_class,
        )
        await app.initialize()
        try:
            if app.post_init is not None:
                await app.post_init(app)
        except BaseException:
            await app.shutdown()
            raise
        assert app.updater is not None
        await app.updater.start_polling(timeout=5, allowed_updates=Update.ALL_TYPES)
        await app.start()
        self.app = app

    async def _stop_bot(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        assert app.updater is not None
        # In the order run_polling stops the bot.
        with contextlib.suppress(RuntimeError):
            await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def exposed(host: str) -> bool:
    """Listening where others can reach it: anything but the loopback."""
    if host in ("localhost", ""):
        return host == ""
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: it may resolve to anything
