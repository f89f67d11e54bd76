"""Whole flows through the fake Bot API in polling mode, against `python bot.py` and against a
bare python-telegram-bot echo bot, measured the same way: each simulated person sends an update,
waits for the bot's answer, and sends the next; we time each round trip."""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from emulator import BotApiEmulator, BotMessage, EmulatedUser

ROOT = Path(__file__).parent.parent


@dataclass
class RoundTrips:
    latencies: list[float] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    api_calls: int = 0  # Bot API calls the bot made meanwhile (answers, messages, edits)
    api_calls_by_method: dict[str, int] = field(default_factory=dict)
    # The bot process's CPU time (user and system) meanwhile: unlike the rates, it barely moves
    # when other work shares the machine.
    cpu_seconds: float = 0.0

    def timing(self, pid: int) -> Timing:
        return Timing(self, pid)

    @property
    def cpu_ms_per_trip(self) -> float:
        return 1000 * self.cpu_seconds / len(self.latencies)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / (self.finished - self.started)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        return self.percentile(99)


class Timing:
    """Times a run of round trips: its start and end, and the CPU the bot used meanwhile."""

    def __init__(self, trips: RoundTrips, pid: int) -> None:
        self.trips, self.pid = trips, pid

    def __enter__(self) -> Timing:
        self.cpu = process_cpu_seconds(self.pid)
        self.trips.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.trips.finished = time.perf_counter()
        self.trips.cpu_seconds = process_cpu_seconds(self.pid) - self.cpu


def process_cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user and system (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Person:
    """A person who waits for the bot's answer before the next step, and times it."""

    def __init__(self, api: BotApiEmulator, user: EmulatedUser, trips: RoundTrips) -> None:
        self.api, self.user, self.trips = api, user, trips

    async def say(self, text: str, expect: str = "") -> BotMessage:
        """Send a message; wait for the bot's next message in this chat (one containing
        `expect`, if given: some answers come in two messages)."""
        chat = self.api.by_chat[self.user.id]
        before = len(chat)
        started = time.perf_counter()
        await self.user.send(text)
        await self.api.wait_until(lambda: any(expect in m.text for m in chat[before:]), 60)
        self.trips.latencies.append(time.perf_counter() - started)
        return next(m for m in chat[before:] if expect in m.text)

    async def press(self, message: BotMessage, label: str, expect: str = "") -> None:
        """Press a button; wait until the bot answers the press and (with `expect`) sends the
        message that comes next, or edits the pressed one to say it."""
        data = message.button(label).callback_data
        assert data is not None
        chat = self.api.by_chat[self.user.id]
        before = len(chat)

        def done() -> bool:
            if query_id not in self.api.answers:
                return False
            return (
                not expect or expect in message.text or any(expect in m.text for m in chat[before:])
            )

        started = time.perf_counter()
        query_id = await self.user.tap(message, data)
        await self.api.wait_until(done, 60)
        self.trips.latencies.append(time.perf_counter() - started)

    def latest(self, contains: str) -> BotMessage:
        found = [m for m in self.api.by_chat[self.user.id] if contains in m.text]
        assert found, f"nothing with {contains!r} for {self.user.id}"
        return found[-1]


def bot_environment(
    api: BotApiEmulator, database: Path | str, org_file: Path, rate_limit: bool
) -> dict[str, str]:
    """The bot's settings for a run: `database` a SQLite file, or a database URL."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_"))
    }
    env.update(
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=database if isinstance(database, str) else f"sqlite:///{database}",
        ORG_FILE=str(org_file),
        SWEEP_INTERVAL_SECONDS="1",
        TELEGRAM_RATE_LIMIT="true" if rate_limit else "false",
        LOG_LEVEL="WARNING",
    )
    return env


async def start_process(script: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(script), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def stop(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()


async def ready(api: BotApiEmulator, person: EmulatedUser) -> None:
    """Wait until the bot answers at all (it has started and polls)."""
    await person.send("/start")
    await api.wait_until(lambda: len(api.by_chat[person.id]) > 0, 60)


async def intake(person: Person, n: int, category: int = 0) -> str:
    """The /new wizard with its ten steps, as a worker's thumb does it; the issue's number."""
    await person.say(f"/new 第{n}号：路灯不亮", expect="问题类别")
    await person.press(person.latest("问题类别"), f"类别{category:02d}", expect="问题在哪里")
    await person.say("跳过", expect="请发送现场照片")
    await person.say("完成", expect="群众姓名")
    await person.say("跳过", expect="群众电话")
    await person.say("跳过", expect="问题来源")
    await person.press(person.latest("问题来源"), "热线电话", expect="紧急程度")
    await person.press(person.latest("紧急程度"), "一般", expect="交哪个单位承办")
    await person.press(person.latest("交哪个单位承办"), "✓ ", expect="提交前请核对")
    summary = person.latest("提交前请核对")
    await person.press(summary, "提交", expect="已提交")
    return summary.text.split("编号 ")[1].split("，")[0]


async def run_concurrently(people: int, work: Callable[[int], Awaitable[None]]) -> None:
    await asyncio.gather(*(work(n) for n in range(people)))


async def echo_round_trips(
    api: BotApiEmulator, people: int, trips_each: int, echo_script: Path
) -> RoundTrips:
    """The same number of round trips against a bare python-telegram-bot echo bot."""
    env = bot_environment(api, Path("/dev/null"), Path("/dev/null"), rate_limit=False)
    process = await start_process(echo_script, env)
    trips = RoundTrips()
    try:
        users = [EmulatedUser(api, 700_000 + n, f"echo{n}") for n in range(people)]
        await ready(api, users[0])
        calls = len(api.calls)

        async def talk(n: int) -> None:
            person = Person(api, users[n], trips)
            for k in range(trips_each):
                await person.say(f"消息 {k}")

        with trips.timing(process.pid):
            await run_concurrently(people, talk)
        trips.api_calls = len(api.calls) - calls
    finally:
        await stop(process)
    return trips
