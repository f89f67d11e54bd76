"""Assemble the Telegram application: settings in, handlers wired, storage opened at start."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import BotCommandScopeAllGroupChats, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot, TypeHandler

from casework.clock import Clock, SystemClock
from casework.health import UPDATES_EVERY, Beat, Heartbeat, webhook_delivering
from casework.organisation import LANGUAGES, Organisation
from casework.services import Deps, calendar_years, health, reports, updates
from casework.services.access import sync_organisation
from casework.services.health import Pulse
from config.logs import RepeatedErrors
from config.settings import Settings
from dashboard.api import Page
from dashboard.server import DashboardServer
from handlers import (
    dashboard,
    fallback,
    finding,
    following,
    issue_actions,
    language,
    merging,
    messages,
    new_issue,
    overdue,
    redaction,
    staff,
    start,
    stats,
    views,
)
from handlers.context import BotApplication, BotContext, BotData, Resources
from handlers.errors import handled, on_error
from handlers.gate import identify_person
from handlers.refusals import answering_refusals
from rendering.i18n import check_catalogs
from rendering.menus import command_menu, group_menu
from runtime.exits import LEASE_LOST
from runtime.metrics import MetricsServer
from runtime.ordering import PerPersonUpdateProcessor
from runtime.requests import Fence, RetryingRequest, UpdatesRequest
from runtime.saving import SavingAlarm
from runtime.sender import OutboxSender
from runtime.sweeper import Sweeper
from runtime.webhook import KeepingQueue
from storage import open_store

log = logging.getLogger(__name__)

# At a stop (README: within 8 s, under the 10 s Docker waits before it kills), how long the
# messages being handed to Telegram get to finish and be recorded, and how long the updates
# being handled get to finish; both start at once.
SENDER_STOP_SECONDS = 5.0
HANDLERS_STOP_SECONDS = 5.0
ASKING_FOR_THE_WEBHOOK = "asking Telegram whether it delivers to the webhook"
# The whole stop, from SIGTERM to the process's end: both waits above, the exports' people told
# (3 s at most), the store closed. deploy/duban.service's TimeoutStopSec is this
# (tests/test_packaging.py), Docker's 10 s is above it.
STOP_DEADLINE_SECONDS = 8
GATE_GROUP = -1
DONE_GROUP = 100  # after every handler: the update was handled without failing
MAX_CONCURRENT_UPDATES = 64
# The updates the bot takes, polled (getUpdates) or by webhook (setWebhook): every kind.
ALLOWED_UPDATES = Update.ALL_TYPES


@dataclass
class Machinery:
    """What runs beside the handlers, never reached from them: the outbox sender, the sweep,
    the alarm when the database cannot be written, and their tasks."""

    sender: OutboxSender
    sweeper: Sweeper
    alarm: SavingAlarm
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    dashboard: DashboardServer | None = None  # when DASHBOARD_LISTEN is set
    metrics: MetricsServer | None = None  # when METRICS_PORT is set


class StoppingApplication(Application[Any, Any, Any, Any, Any, Any]):
    """python-telegram-bot's application, holding the machinery, with a stop that keeps its
    deadline.

    python-telegram-bot's own stop waits for every update being handled, however long (a reply
    to a chat that does not answer is tried for 30 s, then the apology for 30 more), and only
    then lets the bot cancel exports and stop the sender. Here they begin at once, and the
    updates still being handled after `HANDLERS_STOP_SECONDS` are cancelled: one whose change
    was not yet committed is not marked handled either, and is handled again after the restart,
    as after a crash (casework/services/updates.py).
    """

    machinery: Machinery | None = None
    # Stopped because another bot may hold the database now (its lease lost): bot.py exits
    # with LEASE_LOST, so that a supervisor starts it again (as a standby, if one took over).
    lease_lost = False
    # Set when the lease is lost: ends the process if its stop has not ended it in time.
    _lost_deadline: threading.Timer | None = None

    def stop_for_lost_lease(self) -> None:
        """Stop, cleanly if it can be done in STOP_DEADLINE_SECONDS. Whatever lost the lease
        (the network to the database cut) may leave the stop waiting on the database for
        minutes, and nobody would start this bot again meanwhile: past the deadline the
        process ends at once, with LEASE_LOST. (Nothing is lost by it: this bot can save
        nothing any more, and another may hold the database now.)"""
        if self.lease_lost:
            return
        self.lease_lost = True
        self._lost_deadline = threading.Timer(STOP_DEADLINE_SECONDS, _end_now)
        self._lost_deadline.daemon = True
        self._lost_deadline.start()
        self.stop_running()

    def stopped_in_time(self) -> None:
        """The stop is done: the deadline of `stop_for_lost_lease` no longer applies."""
        if self._lost_deadline is not None:
            self._lost_deadline.cancel()

    async def stop(self) -> None:
        resources, machinery = self.bot_data.resources, self.machinery
        winding_down = (
            asyncio.create_task(_wind_down(resources, machinery))
            if resources is not None and machinery is not None
            else None
        )
        try:
            async with asyncio.timeout(HANDLERS_STOP_SECONDS):
                await super().stop()
        except TimeoutError:
            log.warning(
                "updates still being handled %g s after the stop began were cancelled; those"
                " whose change was not saved yet are handled again after the restart",
                HANDLERS_STOP_SECONDS,
            )
        if winding_down is not None:
            await winding_down


def _end_now() -> None:
    log.critical(
        "stopped: no longer the one bot on the database, and the stop did not end within %d s;"
        " ended at once",
        STOP_DEADLINE_SECONDS,
    )  # written out as it is logged (each record is flushed): nothing else to wait for
    os._exit(LEASE_LOST)


async def _wind_down(resources: Resources, machinery: Machinery) -> None:
    """Both at once: exports still being built are cancelled and their people told (a few
    seconds at most); the sender finishes what it is handing to Telegram and stops."""
    await asyncio.gather(resources.exports.stop(), machinery.sender.stop(SENDER_STOP_SECONDS))


def build_application(
    settings: Settings,
    org: Organisation,
    *,
    clock: Clock | None = None,
    background_sweeps: bool = True,
    application_class: type[StoppingApplication] = StoppingApplication,
) -> BotApplication:
    """The bot, ready for `run_polling` (or `run_webhook`, with WEBHOOK_URL set). Storage
    opens in `post_init`; exports and the sender stop as the application stops
    (`StoppingApplication.stop`: the Bot API client is still open then; python-telegram-bot
    closes it in `shutdown`, before `post_shutdown`); storage closes in `post_shutdown`."""
    check_catalogs()
    # Opt in to python-telegram-bot's coming behaviour: durations (retry_after) as timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    the_clock = clock or SystemClock()
    # Working hours are in TIMEZONE.
    org = dataclasses.replace(org, calendar=org.calendar.in_zone(settings.zone))

    async def open_runtime(app: BotApplication) -> None:
        store = await open_store(
            settings.database_url,
            wait_for_other_bot=math.inf
            if settings.standby
            else settings.database_lock_wait_seconds,
        )

        # No longer the one bot on the database (PostgreSQL: the lock's connection lost):
        # stop, cleanly, before another bot sends what this one would.
        def lease_lost() -> None:
            fence.close()  # nothing more leaves for Telegram, from this moment
            if isinstance(app, StoppingApplication):
                app.stop_for_lost_lease()
            else:
                app.stop_running()

        store.on_lease_lost(lease_lost)
        deps = Deps(store=store, org=org, clock=the_clock, zone=settings.zone)
        # Each update is marked handled with the change it causes (exactly once), or at its end.
        store.before_commit(updates.before_commit(deps))
        processor = app.update_processor
        assert isinstance(processor, PerPersonUpdateProcessor)
        processor.finish = functools.partial(updates.finish, deps)
        known, imported = await sync_organisation(deps)
        deps = dataclasses.replace(deps, org=known)
        log.info(
            "organisation synced: %d departments, %d categories;"
            " roster %d added, %d updated, %d whose access it ended",
            len(org.departments),
            len(org.categories),
            len(imported.added),
            imported.updated,
            len(imported.removed),
        )
        _say_which_calendar(deps)
        await calendar_years.tell_of_uncovered_years(deps)
        await set_command_menus(app.bot, settings.default_language)
        sender = OutboxSender(
            app.bot,
            deps,
            settings.default_language,
            poll_seconds=settings.sweep_interval_seconds,
            rate_limit=settings.telegram_rate_limit,
            passwords=settings.proxy_passwords,
        )
        store.on_outbox_added(sender.wake)
        alarm = SavingAlarm(app.bot, deps, settings.default_language)
        store.on_write(alarm)
        sweeper = Sweeper(deps, settings.sweep_interval_seconds)
        resources = Resources(settings, deps, RepeatedErrors(log, the_clock.now))
        machinery = Machinery(sender, sweeper, alarm)
        machinery.tasks = [asyncio.create_task(sender.run(), name="outbox-sender")]
        if background_sweeps:  # tests sweep when they choose, with their own clock
            machinery.tasks.append(asyncio.create_task(sweeper.run(), name="sweeper"))
        app.bot_data.resources = resources
        _running(app).machinery = machinery
        machinery.dashboard = await _serve_dashboard(settings, deps)
        sender.counters = processor.counters  # one set of counters for the metrics
        if settings.metrics_port is not None:
            machinery.metrics = MetricsServer(
                deps, processor.counters, settings.metrics_host, settings.metrics_port
            )
            await machinery.metrics.start()
        if cut_short := await reports.tell_of_exports_cut_short(deps):
            log.info("%d export(s) cut short by the last stop; their people are told", cut_short)
        # Updates fetched or received but not handled before the last stop (a crash) are
        # handled first (queued before the queue keeps what is put on it: they are kept).
        for _update_id, payload in await updates.unhandled(deps):
            await app.update_queue.put(Update.de_json(json.loads(payload), app.bot))
        # From now on what arrives is kept before it is confirmed to Telegram: by the next
        # getUpdates (polling), or by the answer to its POST (webhook: runtime/webhook.py).
        keeper = (update_queue if settings.webhook_url else updates_request).keep_with
        # Each answered fetch (polling) is also the updates' heartbeat (bot.py check), written
        # at most every 30 s.
        pulse = Pulse(Beat.UPDATES, UPDATES_EVERY)
        if settings.webhook_url:  # no fetch to beat with: Telegram's word that it delivers
            machinery.tasks.append(
                asyncio.create_task(
                    _webhook_heartbeat(app.bot, deps, resources.errors), name="webhook-heartbeat"
                )
            )
        keeper(
            lambda fetched: updates.keep(deps, fetched, resources.fresh_updates, pulse),
            resources.errors,
        )

    async def close_runtime(app: BotApplication) -> None:
        try:
            await _close(app)
        finally:  # the stop is over, however it ended: no deadline left to keep
            if isinstance(app, StoppingApplication):
                app.stopped_in_time()

    async def _close(app: BotApplication) -> None:
        resources, machinery = app.bot_data.resources, _running(app).machinery
        if resources is None or machinery is None:
            return
        if machinery.dashboard is not None:  # its requests read the store: stopped first
            await machinery.dashboard.stop()
        if machinery.metrics is not None:  # so do its scrapes
            await machinery.metrics.stop()
        await machinery.sender.stop(0)  # if the application never ran, so never stopped
        for task in machinery.tasks:
            task.cancel()
        await asyncio.gather(*machinery.tasks, return_exceptions=True)
        await machinery.alarm.close()
        await resources.deps.store.close()
        app.bot_data.resources = None
        _running(app).machinery = None

    token = settings.bot_token.get_secret_value()
    # Both clients go through the proxy, if there is one: getUpdates as much as the rest.
    proxy = settings.proxy
    fence = Fence()  # closed when the lease on the database is lost
    updates_request = UpdatesRequest(
        settings.telegram_timeout_seconds, secret=token, proxy=proxy, fence=fence
    )
    update_queue = KeepingQueue()
    app: BotApplication = (
        ApplicationBuilder()
        .application_class(application_class)
        .token(token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .request(
            RetryingRequest(
                settings.telegram_timeout_seconds,
                connection_pool_size=64,
                secret=token,
                proxy=proxy,
                fence=fence,
            )
        )
        .get_updates_request(updates_request)
        .update_queue(update_queue)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .concurrent_updates(PerPersonUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(open_runtime)
        .post_shutdown(close_runtime)
        .build()
    )
    register_handlers(app)
    return app


async def _webhook_heartbeat(bot: ExtBot[None], deps: Deps, errors: RepeatedErrors) -> None:
    """By webhook, the updates' heartbeat (bot.py check): every `UPDATES_EVERY`, getWebhookInfo
    answered, the webhook set, and no delivery failed since the last look with updates left
    waiting (casework/health.py `webhook_delivering`)."""
    since: datetime | None = None
    while True:
        looked = datetime.now(UTC)  # Telegram's times are the world's, not the bot's clock
        try:
            info = await bot.get_webhook_info()
        except Exception as exc:  # the Bot API out of reach: no beat, said once
            errors.failed(ASKING_FOR_THE_WEBHOOK, exc)
        else:
            errors.worked(ASKING_FOR_THE_WEBHOOK)
            if webhook_delivering(info.url, info.pending_update_count, info.last_error_date, since):
                now = deps.clock.now()
                await health.record(deps.store, Heartbeat(Beat.UPDATES, now, UPDATES_EVERY))
        since = looked
        await asyncio.sleep(UPDATES_EVERY.total_seconds())


async def _serve_dashboard(settings: Settings, deps: Deps) -> DashboardServer | None:
    """The dashboard's server, in this process, if DASHBOARD_LISTEN says where."""
    address = settings.dashboard_address
    if address is None:
        return None
    page = Page(
        deps,
        settings.default_language,
        tiles_url=settings.map_tiles_url or None,
        tiles_attribution=settings.map_tiles_attribution or None,
    )
    server = DashboardServer(page, settings.bot_token.get_secret_value(), *address)
    await server.start()
    return server


def _say_which_calendar(deps: Deps) -> None:
    """At start-up: the working-day calendar, and any year a deadline set now may fall in that
    it does not know (counted Monday to Friday)."""
    calendar = deps.org.calendar
    official = calendar.official
    log.info(
        "working days: %s; [calendar] %d holidays, %d working days; working hours %s",
        f"{official.name} (up to {official.last_year()})" if official else "no official calendar",
        len(calendar.holidays),
        len(calendar.workdays),
        calendar.hours,
    )
    for year in calendar_years.uncovered_years(deps.org, deps.clock.now()):
        log.warning(
            "working days: %d is in neither the official calendar nor [calendar] of the"
            " organisation file: deadlines in working days that fall in %d count Monday to"
            " Friday only; list its holidays and working days under [calendar]",
            year,
            year,
        )


async def set_command_menus(bot: ExtBot[None], default_language: str) -> None:
    """The menus for everyone the bot does not know (how to get in) and for department groups,
    one per language; users whose app speaks neither get the default language. (Staff get the
    menu of their role in their private chat when they write: handlers/menus.py.)"""
    groups = BotCommandScopeAllGroupChats()
    for code in LANGUAGES:
        strangers, in_groups = command_menu(None, code), group_menu(code)
        await bot.set_my_commands(strangers, language_code=code)
        await bot.set_my_commands(in_groups, scope=groups, language_code=code)
        if code == default_language:
            await bot.set_my_commands(strangers)
            await bot.set_my_commands(in_groups, scope=groups)


def _running(app: BotApplication) -> StoppingApplication:
    assert isinstance(app, StoppingApplication)
    return app


def register_handlers(app: BotApplication) -> None:
    app.add_handler(TypeHandler(Update, identify_person), group=GATE_GROUP)
    for module in (
        start,
        staff,
        language,
        new_issue,
        merging,
        following,
        issue_actions,
        views,
        finding,
        overdue,
        stats,
        dashboard,
        redaction,
        messages,
        fallback,
    ):
        # A refusal of the rules is answered where it arises, not treated as a failure.
        app.add_handlers([answering_refusals(handler) for handler in module.handlers()])
    app.add_handler(TypeHandler(Update, handled), group=DONE_GROUP)
    app.add_error_handler(on_error)
