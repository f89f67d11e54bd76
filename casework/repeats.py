"""Repeats are a signal (issue 19, point 3): a problem reported again and again is one nobody
is fixing. An issue reported `[intake] repeat_flag` times (3; `Issue.times_reported`: the
report that logged it and each repeat call, and the duplicates linked to it once they are
counted there) is flagged to the coordinators with its card (督办): a step of its own on the
timeline (`EventKind.FLAGGED`), taken with the report that brought it there, in the same
transaction, and once per issue: the issue keeps when it was flagged (`Issue.flagged_at`, in
the database), so a later report, a restart or a lowered threshold never flags it again.
"""

from __future__ import annotations

from datetime import datetime

from casework.issues import Event, EventKind, Issue
from casework.organisation import Organisation


def repeat_flag(issue: Issue, org: Organisation, now: datetime) -> Event | None:
    """The flag the issue, as it is after a report (a repeat call, a duplicate linked), has
    earned: at or past the organisation's number of reports, still open, and never flagged
    before; else None. Apply it (`casework.lifecycle.apply`) before saving the issue, so the
    save that counts the report also records the flag."""
    if issue.flagged_at is not None or not issue.status.is_open:
        return None
    if issue.times_reported < org.intake.repeat_flag:
        return None
    return Event(kind=EventKind.FLAGGED, actor_id=None, at=now, department=issue.department)
