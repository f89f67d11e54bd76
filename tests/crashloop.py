"""The crash loop: `python bot.py` is killed with SIGKILL at random moments while people use it.

    python -m tests.crashloop --rounds 200        the long run (minutes); prints a report
    python -m tests.crashloop --webhook           the same, the bot taking updates by webhook
    python -m tests.crashloop --failover          a standby beside the bot takes over at each kill
    python -m tests.crashloop --failover --endings killed,vanished,"cut off" --database URL
                                                  also the active bot's machine gone, its network
                                                  cut (URL: postgresql over TCP; as root)

The suite runs a short version (tests/test_crash.py). Each round starts the bot against the
fake Bot API, lets it work for a random moment while a head keeps writing notes on issues, then
kills it. Meanwhile a worker takes steps that answer a question waiting for their words, over
and over: presses 💬 Note on an issue (the question waits), sends a photo whose caption is the
note; presses it again and types the note; presses it again, then sends `/new` (the question
put aside, a draft started), then `/cancel` (the draft dropped); in about half the rounds what
the bot sends the worker hangs until the kill. After every kill the database must pass
`PRAGMA integrity_check`, and the worker's state must be what the last of their updates marked
handled left (a question waiting after a press, a draft after `/new`, neither after a note or
`/cancel`; each note marked handled on the timeline). At the end the bot runs until it has
handled everything, and then:

- no update was applied twice (each note, sent once, is on the timeline at most once);
- every change that was saved has all its messages delivered;
- a message arrived twice only if it was in flight (marked attempted, not yet sent) at a kill.

- no update was lost: each note sent (the head's, and the worker's with a photo or typed) is
  on the timeline (an update is marked handled in the transaction of the change it causes:
  killed before that commit, it is handled again after the restart; after it, never again).

By webhook (`--webhook`), the emulator POSTs each update to the bot and delivers it again until
the bot answers 200; killed before an update was kept, the bot never answered, and the update
comes again; killed after, it is in the database, handled from there after the restart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import enum
import functools
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from casework.intake import Step
from casework.issues import Source
from casework.services import Deps, intake
from casework.services.access import sync_organisation
from config.org import load_organisation
from emulator import BotApiEmulator, EmulatedUser
from emulator.server import BotMessage
from runtime.app import STOP_DEADLINE_SECONDS
from runtime.exits import LEASE_LOST
from storage import locate, open_store
from tests.harness import TEST_ORG, WEBHOOK_SECRET, FakeClock, free_port
from tests.network_cut import cut_off, tcp_connections

BOT = Path(__file__).parent.parent / "bot.py"
KNOWN_CHATS = (1001, 2001, 2002, 2003, 3001, 9001, -1001)  # the roster, and the roads group
# A note's photos go as a message of their own (one photo each here: one message).
MESSAGE_KINDS = "('event', 'reminder', 'notice', 'digest', 'report', 'photos')"
ASKER = 1001  # the worker whose steps answer a waiting question (the roster's worker)


@dataclasses.dataclass
class Report:
    rounds: int
    notes_sent: int
    notes_recorded: int
    notes_applied_twice: int
    notes_lost: int
    messages_expected: int
    messages_received: int
    repeats: int
    could_repeat: int
    undelivered: int
    integrity_failures: int
    # The worker's steps that answer a waiting question (`Asker`).
    photo_notes_sent: int
    photo_notes_lost: int
    photo_notes_applied_twice: int
    typed_notes_sent: int
    typed_notes_lost: int
    typed_notes_applied_twice: int
    new_while_asked_sent: int
    # Kills after which the worker's state was not what their last update marked handled left
    # (a step marked handled and lost, or half applied).
    states_unlike_the_last_step: int
    # With a standby: seconds from each kill to the standby's first fetch of updates.
    takeovers: list[float] = dataclasses.field(default_factory=list)
    # The bots not killed but cut off (`Ending`): each one's exit status, and the seconds it
    # took to stop once it ran cut off.
    cut_off: list[tuple[int, float]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(f"{f.name}: {getattr(self, f.name)}" for f in dataclasses.fields(self))


@dataclasses.dataclass(frozen=True)
class Target:
    """The database the bot runs on, as the loop reads it behind the bot's back: a SQLite
    file, or a PostgreSQL database (its URL)."""

    url: str

    @classmethod
    def sqlite(cls, path: Path) -> Target:
        return cls(f"sqlite:///{path}")

    @property
    def postgresql(self) -> bool:
        return self.url.startswith("postgresql://")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.postgresql:
            with psycopg.connect(self.url, autocommit=True) as conn:
                return [tuple(row) for row in conn.execute(sql.encode()).fetchall()]
        with sqlite3.connect(locate(self.url).path, timeout=30) as conn:
            return list(conn.execute(sql))

    def intact(self) -> bool:
        """SQLite's own check of the file (PostgreSQL has none to run: its writes are logged
        before they are applied, and a killed client cannot harm the server's files)."""
        return self.postgresql or self.query("PRAGMA integrity_check") == [("ok",)]


async def seed(database: Target, issues: int) -> list[str]:
    """Issues logged three hours ago: their cards and reminders are due. Their numbers."""
    org = load_organisation(TEST_ORG)
    store = await open_store(database.url, wait_for_other_bot=0)
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=3))  # the bot runs on real time
    deps = Deps(store=store, org=org, clock=clock, zone=ZoneInfo("Asia/Shanghai"))
    await sync_organisation(deps)
    async with store.transaction() as tx:
        worker = await tx.staff.by_telegram_id(1001)
    assert worker is not None
    numbers = []
    for n in range(issues):
        draft = (await intake.start(deps, worker, 1001, description=f"第{n}盏路灯不亮")).draft
        await intake.update(
            deps,
            worker,
            lambda d: dataclasses.replace(
                d,
                step=Step.SUMMARY,
                category="streetlight",
                department="roads",
                source=Source.HOTLINE,
                urgent=False,
            ),
        )
        numbers.append((await intake.submit(deps, worker, draft.token)).issue.number)
    await store.close()
    return numbers


async def start(
    api: BotApiEmulator,
    workdir: Path,
    database: Target,
    webhook_port: int | None = None,
    standby: bool = False,
) -> asyncio.subprocess.Process:
    """`python bot.py`, polling, or by webhook on that port (the same in every round); a
    `standby` waits for the bot running on the database to go, then takes over."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "WEBHOOK_"))
    }
    if webhook_port is not None:
        env.update(
            WEBHOOK_URL=f"http://127.0.0.1:{webhook_port}/hook",
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            WEBHOOK_PORT=str(webhook_port),
        )
    env.update(
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=database.url,
        STANDBY="true" if standby else "false",
        ORG_FILE=str(TEST_ORG),
        SWEEP_INTERVAL_SECONDS="0.2",
        TELEGRAM_RATE_LIMIT="false",
        LOG_LEVEL="WARNING",
    )
    # What each bot logs, kept in the workdir as bot-PID.log (a failed run's first witness).
    starting = workdir / f"bot-starting-{time.time_ns()}.log"
    with starting.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(BOT), cwd=workdir, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    starting.rename(log_of(workdir, process))
    return process


async def _stopped(process: asyncio.subprocess.Process, since: float) -> tuple[int, float]:
    """The process's exit status, and the seconds from `since` to its end."""
    code = await process.wait()
    return code, round(time.monotonic() - since, 2)


def log_of(workdir: Path, process: asyncio.subprocess.Process) -> Path:
    return workdir / f"bot-{process.pid}.log"


class StandbyTookOver:
    """Whether the standby holds the database's lock (its log says so) and has fetched updates
    since. (A bot cut off from the database may still fetch, over a new connection, until it
    finds its lock gone: a fetch alone does not tell which bot made it.)"""

    def __init__(self, api: BotApiEmulator, log: Path) -> None:
        self._api, self._log = api, log
        self._since: int | None = None

    def __call__(self) -> bool:
        if self._since is None:
            if "this one takes over" not in self._log.read_text("utf-8", errors="replace"):
                return False
            self._since = len(self._api.calls)
        return took_over(self._api, self._since)


async def eventually(database: Target, sql: str, timeout: float = 120.0) -> None:
    """Wait for the bot (another process) to reach a state only the database shows."""
    deadline = time.monotonic() + timeout
    while database.query(sql) != [(1,)]:
        if time.monotonic() > deadline:
            raise AssertionError(f"the bot did not get there in time: {sql}")
        await asyncio.sleep(0.05)


@dataclasses.dataclass
class Asker:
    """The worker's steps that answer a question waiting for their words, each sent once, in
    cycles: ("ask", "photo", "ask", "typed", "ask", "new", "cancel")."""

    api: BotApiEmulator
    issue_ids: list[int]
    sent: list[tuple[int, str, int]] = dataclasses.field(default_factory=list)  # id, what, cycle
    staff_id: int = 0

    CYCLE = ("ask", "photo", "ask", "typed", "ask", "new", "cancel")

    async def run(self, luck: random.Random) -> None:
        worker = EmulatedUser(self.api, ASKER, "王芳")
        pressed_on = BotMessage(chat_id=ASKER, message_id=1, kind="text", text="")
        cycle = 0
        while True:
            issue_id = luck.choice(self.issue_ids)
            for what in self.CYCLE:
                match what:
                    case "ask":  # the card's 💬 Note, pressed (its data as the card carries it)
                        update_id = await self.api.push_update(
                            {
                                "callback_query": {
                                    "id": self.api.next_callback_id(),
                                    "from": worker.as_user(),
                                    "message": self.api._as_json(pressed_on),
                                    "chat_instance": f"ci-{ASKER}",
                                    "data": f"i:{issue_id}:note",
                                }
                            }
                        )
                    case "photo":
                        update_id = await worker.send_photo(
                            photo_of(cycle), caption=photo_note(cycle)
                        )
                    case "typed":
                        update_id = await worker.send(typed_note(cycle))
                    case "new":
                        update_id = await worker.send(f"/new 第{cycle}件新问题")
                    case _:
                        update_id = await worker.send("/cancel")
                self.sent.append((update_id, what, cycle))
                await asyncio.sleep(luck.uniform(0.03, 0.15))  # slower than the head
            cycle += 1

    def unlike_the_last_step(self, database: Target) -> bool:
        """Whether the worker's state (the bot not running) is not what the last of their
        updates marked handled left."""
        if not self.sent:
            return False
        handled = {
            update_id
            for (update_id,) in database.query(
                f"SELECT update_id FROM processed_updates WHERE update_id >= {self.sent[0][0]}",
            )
        }
        done = [(what, cycle) for update_id, what, cycle in self.sent if update_id in handled]
        if not done:
            return False
        notes = {text for (text,) in database.query(NOTES)}
        for what, cycle in done:  # every note marked handled is on the timeline
            if (what == "photo" and photo_note(cycle) not in notes) or (
                what == "typed" and typed_note(cycle) not in notes
            ):
                return True
        what, cycle = done[-1]
        [(asked, drafts)] = database.query(
            f"SELECT (SELECT count(*) FROM prompts WHERE staff_id = {self.staff_id}),"
            f" (SELECT count(*) FROM drafts WHERE staff_id = {self.staff_id})",
        )
        return (asked, drafts) != (int(what == "ask"), int(what == "new"))


TAKEOVER_MOST = 15.0  # seconds from the active bot's death to the standby's first fetch
# Seconds a bot running cut off from the database takes to stop by itself: its lock's check
# (every 3 s, each given 3 s), then its stop's deadline (runtime/app.py).
CUT_OFF_STOPS_MOST = 3.0 + 3.0 + STOP_DEADLINE_SECONDS + 1.0


class Ending(enum.Enum):
    """How the active bot ends in a round."""

    KILLED = "killed"  # SIGKILL: its sockets close, and the server knows at once
    # Its machine gone: frozen (SIGSTOP), every packet of its connections dropped, so the
    # server finds its sessions dead by their keepalives only; after the takeover it comes
    # back (SIGCONT), still cut off.
    VANISHED = "vanished"
    # Its network cut while it runs (connections it opens after that go through: the network
    # to Telegram back, the database's lock not taken again).
    CUT_OFF = "cut off"


def took_over(api: BotApiEmulator, calls: int) -> bool:
    """Whether a bot has fetched updates (or set its webhook) since the `calls`th call."""
    return any(c.method in ("getUpdates", "setWebhook") for c in api.calls[calls:])


def called_since(api: BotApiEmulator, calls: int) -> bool:
    """Whether the bot has called the Bot API since it had made `calls` calls."""
    return len(api.calls) > calls


NOTES = "SELECT text FROM issue_events WHERE kind = 'note'"
# The messages handed to Telegram and not yet recorded sent: they may arrive twice.
IN_FLIGHT = "SELECT id FROM outbox WHERE attempted_at IS NOT NULL AND sent_at IS NULL"


def photo_of(cycle: int) -> str:
    return f"crash-photo-{cycle}"


def photo_note(cycle: int) -> str:
    return f"第{cycle}条带图备注"


def typed_note(cycle: int) -> str:
    return f"第{cycle}条打字备注"


async def crash_loop(
    workdir: Path,
    rounds: int,
    seed_value: int = 20261125,
    webhook: bool = False,
    database: Target | None = None,
    failover: bool = False,
    endings: tuple[Ending, ...] = (Ending.KILLED,),
) -> Report:
    """`rounds` kills; on `database` (a SQLite file in `workdir` if none is given). With
    `failover`, a standby waits beside the bot in every round and takes over at the kill, and
    a new standby is started beside it. The rounds end the active bot in the `endings`' ways in
    turn (all but KILLED need `failover`, PostgreSQL over TCP, and root for iptables)."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    database = database or Target.sqlite(workdir / "duban.sqlite3")
    api = BotApiEmulator()
    # By webhook, deliveries refused while the bot is down are tried again at most every
    # 0.2 s (Telegram waits longer): the bot is back within a moment.
    api.webhook_retry_most_seconds = 0.2
    await api.start()
    bot_starts = functools.partial(start, webhook_port=free_port() if webhook else None)
    try:
        return await _loop(
            api,
            workdir,
            database,
            rounds,
            random.Random(seed_value),
            bot_starts,
            failover,
            endings,
        )
    finally:
        await api.stop()


async def _loop(
    api: BotApiEmulator,
    workdir: Path,
    database: Target,
    rounds: int,
    luck: random.Random,
    start: Callable[..., Awaitable[asyncio.subprocess.Process]] = start,
    failover: bool = False,
    endings: tuple[Ending, ...] = (Ending.KILLED,),
) -> Report:
    numbers = await seed(database, issues=20)
    api.known_chats.update(KNOWN_CHATS)
    head = EmulatedUser(api, 2001, "建国")
    notes_sent = 0
    # Each kill can repeat each message in flight at that moment once (a message in flight at
    # two kills can come three times): count them per kill.
    in_flight: Counter[int] = Counter()
    integrity_failures = 0

    async def traffic() -> None:
        nonlocal notes_sent
        while True:
            number = luck.choice(numbers)
            await head.send(f"/note {number} 第{notes_sent}条备注")
            notes_sent += 1
            # Faster than anyone types (a note every 0.1-0.3 s, also while the bot is down), yet
            # not so fast that the final catch-up sends for an hour: each note sends its card to
            # the worker and refreshes the one before, one chat's messages one after another.
            await asyncio.sleep(luck.uniform(0.1, 0.3))

    takeovers: list[float] = []
    asker = Asker(api, [issue_id for (issue_id,) in database.query("SELECT id FROM issues")])
    [(asker.staff_id,)] = database.query(f"SELECT id FROM staff WHERE telegram_id = {ASKER}")
    unlike = 0
    writer = asyncio.create_task(traffic())
    asking = asyncio.create_task(asker.run(random.Random(luck.random())))
    stopped_themselves: list[tuple[int, float]] = []
    cut = contextlib.ExitStack()
    try:
        bot = standby = gone = None
        if failover:  # the first bot active (fetching updates) before a standby starts
            bot = await start(api, workdir, database)
            await api.wait_until(functools.partial(took_over, api, len(api.calls)), 60)
        for round_number in range(rounds):
            ending = endings[round_number % len(endings)]
            assert failover or ending is Ending.KILLED
            # Every other round or so, what the bot sends the worker hangs (a slow network) until
            # the kill: the worker's step is then killed at its first reply, after its commit.
            slow = api.hold(ASKER) if luck.random() < 0.5 else None
            calls = len(api.calls)
            if failover:
                standby = await start(api, workdir, database, standby=True)
            else:
                bot = await start(api, workdir, database)
            assert bot is not None
            # A random moment of its work: counted from its first call to the Bot API (a
            # second or more after it was started, on a busy machine; counted from the start,
            # nearly every kill came before it handled anything).
            try:
                await api.wait_until(functools.partial(called_since, api, calls), 60)
                await asyncio.sleep(luck.uniform(0.3, 1.2))
            finally:
                if ending is Ending.KILLED:
                    bot.send_signal(signal.SIGKILL)
                elif ending is Ending.VANISHED:
                    bot.send_signal(signal.SIGSTOP)
            killed_at, calls = time.monotonic(), len(api.calls)
            if ending is Ending.KILLED:
                await bot.wait()
            else:  # not a packet of its connections goes from now on
                cut.enter_context(cut_off(tcp_connections(bot.pid)))
                gone = bot
                if ending is Ending.CUT_OFF:  # it runs on: its stop is timed from the cut
                    stopping = asyncio.create_task(_stopped(bot, killed_at))
            if slow is not None:
                del api.holds[ASKER]
                slow.set()  # what the killed bot had sent arrives (the worker's chat is not counted)
            if not database.intact():
                integrity_failures += 1
            in_flight.update(row[0] for row in database.query(IN_FLIGHT))
            if standby is None:
                unlike += asker.unlike_the_last_step(database)
                continue
            # The standby takes over: it fetches updates (or sets its webhook) from now on.
            # (The worker's state is not checked here: the standby may be handling it already.)
            taken = (
                functools.partial(took_over, api, calls)
                if ending is Ending.KILLED
                else StandbyTookOver(api, log_of(workdir, standby))
            )
            await api.wait_until(taken, TAKEOVER_MOST * 4)
            takeovers.append(time.monotonic() - killed_at)
            bot, standby = standby, None
            if gone is not None:
                # Running cut off from the database (its machine back): the bot must find its
                # lock gone and stop by itself. (It cannot have sent anything meanwhile: every
                # message is marked attempted in the database first.)
                if ending is Ending.VANISHED:
                    gone.send_signal(signal.SIGCONT)
                    stopping = asyncio.create_task(_stopped(gone, time.monotonic()))
                stopped_themselves.append(await asyncio.wait_for(stopping, CUT_OFF_STOPS_MOST * 4))
                gone = None
                cut.close()
    finally:
        for task in (writer, asking):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        killed_last = False
        for process in (bot, standby, gone) if failover else ():
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
                killed_last = True
        cut.close()
        if killed_last:  # the bot active at the end is killed too: what it had in flight counts
            in_flight.update(row[0] for row in database.query(IN_FLIGHT))

    last_update = api.last_update_id
    bot = await start(api, workdir, database)
    try:
        # The head typed faster than one person's steps are taken (each its own commit on
        # disk): after many rounds the bot has thousands of them to catch up on (at 20 a
        # second at least, on a busy machine).
        await eventually(
            database,
            f"SELECT max(update_id) >= {last_update} FROM processed_updates",
            timeout=max(120.0, 3.0 * rounds, last_update / 20),
        )
        # Then the messages queued: the cards' refreshes go before some of them.
        [(waiting,)] = database.query(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        await eventually(
            database,
            f"SELECT count(*) = 0 FROM outbox WHERE kind IN {MESSAGE_KINDS}"
            " AND sent_at IS NULL AND failed_at IS NULL",
            timeout=max(120.0, waiting / 20),
        )
    except BaseException:  # never left running on its own: it would keep the database busy
        bot.kill()
        await bot.wait()
        raise
    bot.send_signal(signal.SIGTERM)
    await asyncio.wait_for(bot.wait(), 60)
    if not database.intact():
        integrity_failures += 1
    unlike += asker.unlike_the_last_step(database)

    asked_photos = [c for _, what, c in asker.sent if what == "photo"]
    typed = [typed_note(c) for _, what, c in asker.sent if what == "typed"]
    the_workers = {photo_note(c) for c in asked_photos} | set(typed)
    every_note = [text for (text,) in database.query(NOTES)]
    notes = [text for text in every_note if text not in the_workers]  # the head's
    photos = Counter(
        (text, photos)
        for text, photos in database.query(
            "SELECT text, photos FROM issue_events WHERE kind = 'note' AND photos != '[]'"
        )
    )
    by_text = Counter(every_note)
    # Replies to the worker come straight from the handlers, not the outbox: their chat is
    # left out of the messages' count.
    sent_rows = database.query(
        f"SELECT id, chat_id FROM outbox WHERE kind IN {MESSAGE_KINDS} AND sent_at IS NOT NULL"
        f" AND chat_id != {ASKER}",
    )
    [(undelivered,)] = database.query(
        f"SELECT count(*) FROM outbox WHERE kind IN {MESSAGE_KINDS} AND failed_at IS NOT NULL"
        " AND last_error NOT LIKE 'superseded%' AND last_error != 'the issue moved on'",
    )
    # Replies to the head's /note commands come straight from the handlers, not the outbox.
    bot_messages = [
        m
        for m in api.sent
        if not (m.chat_id == head.id and "备注已记入" in m.text) and m.chat_id != ASKER
    ]
    expected: Counter[int] = Counter(int(chat) for _, chat in sent_rows)
    received: Counter[int] = Counter(m.chat_id for m in bot_messages)
    return Report(
        rounds=rounds,
        notes_sent=notes_sent,
        notes_recorded=len(notes),
        notes_applied_twice=sum(n - 1 for n in Counter(notes).values() if n > 1),
        notes_lost=notes_sent - len(set(notes)),
        messages_expected=sum(expected.values()),
        messages_received=sum(received.values()),
        repeats=sum((received - expected).values()),
        could_repeat=sum(in_flight[row_id] for row_id, _ in sent_rows),
        undelivered=undelivered + sum((expected - received).values()),
        integrity_failures=integrity_failures,
        photo_notes_sent=len(asked_photos),
        photo_notes_lost=sum(
            1 for c in asked_photos if photos[(photo_note(c), f'["{photo_of(c)}"]')] == 0
        ),
        photo_notes_applied_twice=sum(by_text[photo_note(c)] > 1 for c in asked_photos),
        typed_notes_sent=len(typed),
        typed_notes_lost=sum(by_text[text] == 0 for text in typed),
        typed_notes_applied_twice=sum(by_text[text] > 1 for text in typed),
        new_while_asked_sent=sum(what == "new" for _, what, _ in asker.sent),
        states_unlike_the_last_step=unlike,
        takeovers=[round(t, 2) for t in takeovers],
        cut_off=stopped_themselves,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--workdir", type=Path, default=Path("data/crashloop"))
    parser.add_argument("--webhook", action="store_true", help="the bot takes updates by webhook")
    parser.add_argument(
        "--database",
        help="a database URL to run on (postgresql://…, empty); default: a SQLite file in workdir",
    )
    parser.add_argument(
        "--failover", action="store_true", help="a standby beside the bot takes over at each kill"
    )
    parser.add_argument(
        "--endings",
        default=Ending.KILLED.value,
        help="with --failover, how the active bot ends, round after round: a comma-separated"
        f" list of {', '.join(e.value for e in Ending)} (all but the first need a postgresql"
        " URL over TCP and root, for iptables)",
    )
    arguments = parser.parse_args()
    # The bot runs in a folder of its own: a relative path would name another database there.
    arguments.workdir = arguments.workdir.resolve()
    for leftover in arguments.workdir.glob("duban.sqlite3*"):
        leftover.unlink()
    report = asyncio.run(
        crash_loop(
            arguments.workdir,
            arguments.rounds,
            arguments.seed,
            arguments.webhook,
            Target(arguments.database) if arguments.database else None,
            arguments.failover,
            tuple(Ending(name.strip()) for name in arguments.endings.split(",")),
        )
    )
    print(report)
    healthy = (
        report.integrity_failures == 0
        and report.notes_applied_twice == 0
        and report.notes_lost == 0
        and report.undelivered == 0
        and report.repeats <= report.could_repeat
        and report.photo_notes_lost == report.photo_notes_applied_twice == 0
        and report.typed_notes_lost == report.typed_notes_applied_twice == 0
        and report.states_unlike_the_last_step == 0
        and all(seconds <= TAKEOVER_MOST for seconds in report.takeovers)
        and all(
            code == LEASE_LOST and seconds <= CUT_OFF_STOPS_MOST for code, seconds in report.cut_off
        )
    )
    print("OK" if healthy else "PROBLEMS FOUND")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
