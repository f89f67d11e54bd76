"""A realistic city-sized data set, generated fast: issues over two years with their timelines,
call-backs, notes, cards and delivered messages, written straight into the bot's schema.

The schema comes from the bot's own migrations; rows are bulk-inserted with plain sqlite3
(the bot's use cases would take hours for a million issues). Everything is deterministic for a
given seed.
"""

from __future__ import annotations

import asyncio
import math
import random
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from casework.issues import Location
from casework.nearby import EARTH_RADIUS_M, distance_m, geo_cell
from storage.repositories.words import words_of
from storage.sqlite.database import connect

DEPARTMENTS = 30
CATEGORIES = 40
STAFF = 2000
# Their Telegram IDs: far from the low ones real old accounts hold (and the example file's).
STAFF_BASE = 7_000_000
WORKERS = 1000
COORDINATORS = 20
YEARS = 2
CHUNK = 20_000
# The call-back's first two answers: how the solved answer goes with the verdict, and the
# daily figures' measure of each answer (casework.metrics CONTACT_FIELDS, SOLVED_FIELDS).
SOLVED = ("solved", "partly", "not_solved")
SOLVED_BY = {"satisfied": (85, 15, 0), "basically_satisfied": (50, 45, 5),
             "dissatisfied": (10, 30, 60)}  # fmt: skip
CONTACTED = {"yes": "contacted", "no": "not_contacted"}
SOLVED_MEASURE = {"solved": "solved", "partly": "partly_solved", "not_solved": "not_solved"}
END = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # "now" in the benchmarks: 09:00 in Shanghai
# What citizens report, one problem per category (a department's words are mostly its own, as
# in a real hotline: /find of one department's word by another reads past many), where, and
# how: the texts /find looks words up in. Drawn from their own random sequence, so that the
# rest of the data set is what it was before texts varied.
PROBLEMS = (
    "路灯不亮", "井盖丢失", "垃圾未清运", "道路坑洼", "噪音扰民", "停水", "下水道堵塞",
    "违章停车", "树木倒伏", "占道经营", "楼道堆物", "电梯故障", "供暖不热", "燃气异味",
    "墙体开裂", "路面积水", "绿地损坏", "公厕脏乱", "小广告乱贴", "夜间施工", "油烟扰民",
    "共享单车乱停", "宠物扰民", "窨井冒水", "红绿灯故障", "公交站牌损坏", "消防通道堵塞",
    "外墙脱落", "排水沟臭味", "屋顶漏水", "水压不足", "广场舞噪音", "流浪犬伤人",
    "门禁损坏", "化粪池满溢", "护栏倒塌", "盲道被占", "落叶未清扫", "工地扬尘", "积雪未清",
)  # fmt: skip
STREETS = ("幸福路", "和平路", "中山路", "解放街", "建设路", "人民路", "胜利街", "光明路",
           "长江路", "黄河路", "文化街", "朝阳路", "新华路", "团结路", "青年路", "东风路")  # fmt: skip
DETAILS = ("已持续三天", "影响居民出行", "请尽快处理", "多次反映未解决", "老人小孩不安全",
           "晚上尤其明显", "附近商户也有意见", "希望派人查看")  # fmt: skip
CITIZENS_PER_ISSUE = 1 / 3  # a citizen calls about three times in two years (a repeat call)
# Where: the built-up part of Qingshan District, Wuhan (the playground's district), about 6.7 km
# north to south by 7.7 km east to west: south, west, north, east.
EXTENT = (30.600, 114.360, 30.660, 114.440)
# Its park (青山公园, as in playground/district.toml), where no issue is: an empty spot.
PARK = Location(30.6268, 114.3956)
PARK_RADIUS_M = 300
# Where problems gather: each category has HOT_SPOTS places (a dark street, a market) that hold
# HOT_SHARE of its issues each, spread HOT_SPREAD_M around them (a normal spread in each
# direction); the rest are spread evenly over the extent. At a million issues a category has
# about 240 issues a week, so a hot spot has some 35 of them within 200 m over a week.
HOT_SPOTS = 2
HOT_SHARE = 0.15
HOT_SPREAD_M = 80
_METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def hot_spot(category: int, n: int = 0, seed: int = 7) -> Location:
    """The `n`th place where the category's issues gather (a kilometre or more from the park)."""
    luck = random.Random(f"{seed}:{category}:{n}")
    while True:
        spot = _anywhere(luck)
        if distance_m(spot, PARK) > 1_000:
            return spot


def _anywhere(luck: random.Random) -> Location:
    south, west, north, east = EXTENT
    return Location(luck.uniform(south, north), luck.uniform(west, east))


def issue_pin(
    luck: random.Random, category: int, spots: dict[tuple[int, int], Location]
) -> Location:
    """Where an issue of the category is: near one of its hot spots, or anywhere in the extent
    but the park."""
    draw = luck.random()
    if draw < HOT_SPOTS * HOT_SHARE:
        spot = spots[(category, int(draw / HOT_SHARE))]
        north = luck.gauss(0, HOT_SPREAD_M) / _METRES_PER_DEGREE
        east = luck.gauss(0, HOT_SPREAD_M) / (
            _METRES_PER_DEGREE * math.cos(math.radians(spot.latitude))
        )
        return Location(round(spot.latitude + north, 6), round(spot.longitude + east, 6))
    while True:
        pin = _anywhere(luck)
        if distance_m(pin, PARK) > PARK_RADIUS_M:
            return Location(round(pin.latitude, 6), round(pin.longitude, 6))


def citizen_phone(citizen: int) -> str:
    """A mobile number per citizen, spread over every last four digits."""
    return f"13{(citizen * 7_919 + 12_345) % 10**9:09d}"


def issue_text(luck: random.Random, category: int, issues: int) -> tuple[str, str, str]:
    """A description, an address and the citizen's phone."""
    street = luck.choice(STREETS)
    address = f"{street}{luck.randrange(1, 300)}号"
    detail = luck.choice(DETAILS)
    description = f"{address}附近{PROBLEMS[category % len(PROBLEMS)]}，{detail}"
    citizen = luck.randrange(max(1, int(issues * CITIZENS_PER_ISSUE)))
    return description, address, citizen_phone(citizen)


@dataclass(frozen=True)
class Dataset:
    path: Path
    org_file: Path
    issues: int
    events: int
    seconds: float


def org_toml(path: Path) -> None:
    """An organisation file with 30 departments, 40 categories and a 2,000-person roster."""
    lines = [
        'name = { zh = "基准区", en = "Benchmark District" }\n',
        '[reminders]\nquiet_hours = ""  # measurements must not wait for the morning\n',
    ]
    for d in range(DEPARTMENTS):
        lines.append(
            f'[[departments]]\ncode = "d{d:02d}"\nname = {{ zh = "科室{d:02d}", en = "Department {d:02d}" }}\n'
        )
    for c in range(CATEGORIES):
        lines.append(
            f'[[categories]]\ncode = "c{c:02d}"\nname = {{ zh = "类别{c:02d}", en = "Category {c:02d}" }}\n'
            f'department = "d{c % DEPARTMENTS:02d}"\nrespond_within = "2h"\nresolve_within = "3d"\n'
            f'urgent_respond_within = "30m"\nurgent_resolve_within = "24h"\n'
        )
    for s in range(STAFF):
        if s < WORKERS:
            role, department = "worker", None
        elif s < WORKERS + COORDINATORS:
            role, department = "coordinator", None
        elif s < WORKERS + COORDINATORS + DEPARTMENTS:
            role, department = "head", f"d{s - WORKERS - COORDINATORS:02d}"
        else:
            role, department = "member", f"d{s % DEPARTMENTS:02d}"
        entry = (
            f'[[staff]]\ntelegram_id = {STAFF_BASE + s}\nname = "人员{s:04d}"\nrole = "{role}"\n'
        )
        if department:
            entry += f'department = "{department}"\n'
        lines.append(entry)
    path.write_text("\n".join(lines), encoding="utf-8")


def generate(workdir: Path, issues: int, seed: int = 7, open_share: float = 0.03) -> Dataset:
    """Write a database of `issues` issues into `workdir`; most closed, `open_share` open."""
    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "duban.sqlite3"
    for leftover in workdir.glob("duban.sqlite3*"):
        leftover.unlink()
    org_file = workdir / "org.toml"
    org_toml(org_file)
    asyncio.run(_schema_and_roster(database, org_file))

    luck = random.Random(seed)
    wording = random.Random(seed + 1)  # the texts' own sequence (see PROBLEMS)
    placing = random.Random(seed + 2)  # and the pins' (so the rest is as it was before pins)
    spots = {(c, n): hot_spot(c, n, seed) for c in range(CATEGORIES) for n in range(HOT_SPOTS)}
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")  # the generator keeps them itself
    conn.execute("PRAGMA cache_size = -200000")
    staff = {
        role: list(
            conn.execute("SELECT id, telegram_id, department FROM staff WHERE role = ?", (role,))
        )
        for role in ("worker", "member", "head", "coordinator")
    }
    members: dict[str, list[int]] = {}
    for staff_id, _tid, department in staff["member"]:
        members.setdefault(department, []).append(staff_id)
    heads = {department: staff_id for staff_id, _tid, department in staff["head"]}
    workers = [(s, t) for s, t, _ in staff["worker"]]

    start = END - timedelta(days=365 * YEARS)
    span = (END - start).total_seconds()
    counters: dict[str, int] = {}
    event_id = 0
    issue_rows: list[tuple[object, ...]] = []
    word_rows: list[tuple[int, str]] = []
    event_rows: list[tuple[object, ...]] = []
    outbox_rows: list[tuple[object, ...]] = []
    card_rows: list[tuple[object, ...]] = []
    total_events = 0
    figures: Counter[tuple[str, str, str]] = Counter()

    def day(moment: int) -> str:  # Shanghai has no summer time: +8 hours all year
        return datetime.fromtimestamp(moment + 8 * 3600, UTC).date().isoformat()

    conn.execute("BEGIN")
    for issue_id in range(1, issues + 1):
        created = start + timedelta(seconds=span * (issue_id - 1) / issues + luck.random() * 60)
        local = created + timedelta(hours=8)
        month = local.strftime("%y%m")
        counters[month] = counters.get(month, 0) + 1
        number = f"{month}-{counters[month]:04d}"
        category = luck.randrange(CATEGORIES)
        department = f"d{category % DEPARTMENTS:02d}"
        urgent = luck.random() < 0.1
        respond = timedelta(minutes=30) if urgent else timedelta(hours=2)
        resolve = timedelta(hours=24) if urgent else timedelta(days=3)
        reporter, reporter_tid = luck.choice(workers)
        handler = luck.choice(members[department])
        head = heads[department]
        at = int(created.timestamp())
        respond_by = at + int(respond.total_seconds())
        resolve_by = at + int(resolve.total_seconds())
        description, address, phone = issue_text(wording, category, issues)
        word_rows.append((issue_id, words_of(description, address, reporter, department)))
        pin = issue_pin(placing, category, spots)
        is_open = (END - created) < timedelta(days=30) and luck.random() < open_share * 12
        steps: list[tuple[int, int, str, int | None, str | None, str | None]] = []
        steps.append((at, reporter, "submitted", respond_by, None, None))
        accepted_at = at + int(luck.expovariate(1 / 3000))
        status, callback, assignee = "pending", None, None
        answers: tuple[str | None, str | None] = (None, None)  # the call-back's first two
        if not (is_open and luck.random() < 0.3):
            steps.append((accepted_at, handler, "accepted", resolve_by, None, None))
            status, assignee = "accepted", handler
            resolved_at = accepted_at + int(luck.expovariate(1 / 150_000))
            if not (is_open and luck.random() < 0.6):
                if luck.random() < 0.3:
                    steps.append((accepted_at + 600, head, "note", None, "已安排人员到场", None))
                steps.append((resolved_at, handler, "resolved", None, "已处理完毕", None))
                status = "resolved"
                if not is_open:
                    steps.append((resolved_at + 3600, reporter, "confirmed", None, None, None))
                    status = "closed"
                    if luck.random() < 0.8:
                        callback = luck.choices(
                            ["satisfied", "basically_satisfied", "dissatisfied", "unreachable"],
                            [60, 25, 8, 7],
                        )[0]
                        steps.append(
                            (resolved_at + 7200, reporter, "callback", None, None, callback)
                        )
                        if callback != "unreachable":  # contacted? solved?
                            contacted = "yes" if luck.random() < 0.92 else "no"
                            answers = (contacted, luck.choices(SOLVED, SOLVED_BY[callback])[0])
        issue_rows.append((
            issue_id, number, status, description, f"c{category:02d}", department,
            reporter, assignee, handler if status != "pending" else None, int(urgent), "hotline",
            pin.latitude, pin.longitude, address, "张三", phone, at, steps[-1][0], at,
            respond_by if status == "pending" else None,
            resolve_by if status in ("pending", "accepted") else None,
            0, len(steps), 1, at, 0,
            (respond_by if status == "pending" else resolve_by if status == "accepted" else None),
            callback,
            *(("已处理完毕", resolved_at) if status in ("resolved", "closed") else (None, None)),
            geo_cell(pin),  # the bot's own cell of the pin (casework/nearby.py)
        ))  # fmt: skip
        # The daily figures these steps add (as casework.metrics.tallies would).
        figures[(day(at), department, "received")] += 1
        figures[(day(respond_by), department, "handoffs_due")] += 1
        for when, _actor, kind, _due, _text, verdict in steps:
            if kind == "accepted":
                figures[(day(when), department, "accepted")] += 1
                figures[(day(resolve_by), department, "resolutions_due")] += 1
                if when <= respond_by:
                    figures[(day(respond_by), department, "answered_in_time")] += 1
            elif kind == "resolved":
                figures[(day(when), department, "resolved")] += 1
                if when <= resolve_by:
                    figures[(day(resolve_by), department, "resolved_in_time")] += 1
            elif kind == "confirmed":
                figures[(day(accepted_at), department, "accepted_then_closed")] += 1
                figures[(day(when), department, f"closed_by:{handler}")] += 1
            elif kind == "callback" and verdict:
                figures[(day(when), department, verdict)] += 1
                if answers[0] is not None and answers[1] is not None:
                    figures[(day(when), department, CONTACTED[answers[0]])] += 1
                    figures[(day(when), department, SOLVED_MEASURE[answers[1]])] += 1
        for when, actor, kind, due, text, verdict in steps:
            event_id += 1
            spell: tuple[object, ...] = (None, None, None, None)
            if kind == "accepted":
                spell = ("response", at, respond_by, department)
            elif kind == "resolved":
                spell = ("resolution", accepted_at, resolve_by, department)
            target = actor if kind == "accepted" and actor != head else None
            asked = answers if kind == "callback" else (None, None)
            event_rows.append(
                (event_id, issue_id, when, actor, kind, department, text, target, due, verdict,
                 *asked, *spell)
            )  # fmt: skip
        total_events += len(steps)
        outbox_rows.append(
            (f"ev:{issue_id}:p:{head}", "event", STAFF_BASE + head, head, issue_id, at, at, at + 1)
        )
        outbox_rows.append(
            (
                f"ev:{issue_id}:r:{reporter}",
                "event",
                reporter_tid,
                reporter,
                issue_id,
                at,
                at,
                at + 1,
            )
        )
        card_rows.append((STAFF_BASE + head, issue_id, issue_id, head))
        if issue_id % CHUNK == 0 or issue_id == issues:
            _flush(conn, issue_rows, event_rows, outbox_rows, card_rows, counters)
            conn.executemany("INSERT INTO issue_words (rowid, words) VALUES (?, ?)", word_rows)
            word_rows.clear()
            issue_rows.clear()
            event_rows.clear()
            outbox_rows.clear()
            card_rows.clear()
    conn.executemany(
        "INSERT INTO daily_figures (day, department, measure, value) VALUES (?, ?, ?, ?)",
        [(*key, value) for key, value in figures.items()],
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return Dataset(database, org_file, issues, total_events, time.perf_counter() - started)


def _flush(
    conn: sqlite3.Connection,
    issue_rows: list[tuple[object, ...]],
    event_rows: list[tuple[object, ...]],
    outbox_rows: list[tuple[object, ...]],
    card_rows: list[tuple[object, ...]],
    counters: dict[str, int],
) -> None:
    conn.executemany(
        "INSERT INTO issues (id, number, status, description, category, department, reporter_id,"
        " assignee_id, accepted_by, urgent, source, latitude, longitude, address, citizen_name,"
        " citizen_phone, created_at, updated_at, handed_at, respond_by, resolve_by, reopen_count,"
        " version, phase, phase_started_at, reminders_sent, next_reminder_at, callback,"
        " resolution, resolved_at, geo_cell)"
        " VALUES (" + ", ".join("?" * 31) + ")",
        issue_rows,
    )
    conn.executemany(
        "INSERT INTO issue_events (id, issue_id, at, actor_id, kind, department, text, target_id,"
        " due_at, verdict, contacted, solved, spell, spell_started_at, spell_due_at,"
        " spell_department) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        event_rows,
    )
    conn.executemany(
        "INSERT INTO outbox (key, kind, chat_id, staff_id, issue_id, created_at, due_at, sent_at,"
        " priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 20)",
        outbox_rows,
    )
    conn.executemany(
        "INSERT OR IGNORE INTO cards (chat_id, message_id, issue_id, staff_id) VALUES (?, ?, ?, ?)",
        card_rows,
    )
    conn.executemany(
        "INSERT INTO issue_counters (month, last) VALUES (?, ?)"
        " ON CONFLICT (month) DO UPDATE SET last = excluded.last",
        list(counters.items()),
    )


async def _schema_and_roster(database: Path, org_file: Path) -> None:
    """The schema from the bot's migrations, and the organisation synced as the bot does."""
    from zoneinfo import ZoneInfo

    from casework.services import Deps
    from casework.services.access import sync_organisation
    from config.org import load_organisation
    from storage.sqlite.store import SqliteStore
    from storage.sqlite.writer import Writer

    class _Clock:
        def now(self) -> datetime:
            return END - timedelta(days=365 * YEARS)

    store = SqliteStore(await Writer.open(await connect(database)))
    deps = Deps(store=store, org=load_organisation(org_file), clock=_Clock(),
                zone=ZoneInfo("Asia/Shanghai"))  # fmt: skip
    await sync_organisation(deps)
    await store.close()
