"""Dates and times as people read them, in their language: `11月25日 14:30`, `今天 11:00`,
`11月26日（周四）`, `2026年11月`; in English `Nov 25 14:30`, `today 11:00`, `Thu, Nov 26`,
`November 2026`. The patterns are CLDR's (through Babel), the words around them the catalogs'.

Cards stay in chats and are edited only when their issue changes, so they show dates as dates
(`when`); a reminder, a digest or a list is read as it arrives, so it may say today or tomorrow
(`soon`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton

from casework.metrics import Period
from rendering.i18n import Texts

_LOCALES = {"zh": "zh_CN", "en": "en"}


def _locale(t: Texts) -> str:
    return _LOCALES.get(t.language, "zh_CN")


def _skeleton(pattern: str, d: date, locale: str) -> str:
    """Babel's formatting of a day, kept: a card or a list names the same few days again and
    again, and each formatting costs about 50 µs (issue 22). Keyed by the day alone: two
    datetimes of one moment in two zones are equal, and would share an entry."""
    return _day_skeleton(pattern, date(d.year, d.month, d.day), locale)


@lru_cache(maxsize=4096)
def _day_skeleton(pattern: str, d: date, locale: str) -> str:
    return format_skeleton(pattern, d, locale=locale)


def _weekday(d: date, locale: str) -> str:
    return _day_weekday(date(d.year, d.month, d.day), locale)


@lru_cache(maxsize=1024)
def _day_weekday(d: date, locale: str) -> str:
    return format_date(d, "EEE", locale=locale)


def when(moment: datetime, zone: ZoneInfo, t: Texts) -> str:
    """A moment as a date and a time: `11月25日 14:30`."""
    local = moment.astimezone(zone)
    return f"{_skeleton('MMMd', local.date(), _locale(t))} {local:%H:%M}"


def soon(moment: datetime, zone: ZoneInfo, t: Texts, now: datetime) -> str:
    """A moment near now as people say it: `今天 14:30`, `明天 09:00`, `昨天 17:00`; further
    away, as `when` does."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    time = f"{local:%H:%M}"
    match (local.date() - today).days:
        case 0:
            return t._("today {time}", time=time)
        case 1:
            return t._("tomorrow {time}", time=time)
        case -1:
            return t._("yesterday {time}", time=time)
    return when(moment, zone, t)


def day(d: date, t: Texts) -> str:
    """A day with its weekday: `11月26日（周四）`, `Thu, Nov 26`."""
    locale = _locale(t)
    return t._("{date} ({weekday})", date=_skeleton("MMMd", d, locale), weekday=_weekday(d, locale))


def month(d: date, t: Texts) -> str:
    """`2026年11月`, `November 2026`."""
    return _skeleton("yMMMM", d, _locale(t))


def period(span: Period, zone: ZoneInfo, t: Texts) -> str:
    """A period of figures: a whole month as the month (`2026年11月`), else its first and last
    days (`11月18日 – 11月25日`; with the years if they differ from each other)."""
    first = span.start.astimezone(zone).date()
    last = (span.end - timedelta(microseconds=1)).astimezone(zone).date()
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    if first.day == 1 and last == next_month - timedelta(days=1):
        return month(first, t)
    pattern = "MMMd" if first.year == last.year else "yMMMd"
    locale = _locale(t)
    return t._(
        "{first} – {last}",
        first=_skeleton(pattern, first, locale),
        last=_skeleton(pattern, last, locale),
    )


def short_day(d: date, t: Texts) -> str:
    """A day on a chart's axis: `11月26日`, `Nov 26`."""
    return _skeleton("MMMd", d, _locale(t))


def short_month(d: date, t: Texts) -> str:
    """A month on a chart's axis: `11月`, `Nov`."""
    return _skeleton("MMM", d, _locale(t))
