"""The reminder sweep: find issues with a rung due, queue the reminders, move the ladder on.

Everything comes from the database: the deadlines, and how far each issue's ladder has gone.
Reminders are queued in the outbox in the same transaction that records the rung as passed,
so a crash can neither lose a rung nor send it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from casework.issues import Issue
from casework.lifecycle import may_hear
from casework.notifications import Audience
from casework.outbox import OutboxItem, OutboxKind, Priority, to_person
from casework.people import Staff
from casework.ports import Transaction
from casework.reminders import LadderMoved, plan
from casework.services import Deps
from casework.services.notify import people_for

BATCH = 500
_SAME_FOR_THE_WHOLE_DEPARTMENT = {Audience.DEPARTMENT, Audience.HEADS, Audience.COORDINATORS}
# A reminder due just before quiet hours and found by the sweep in them, this late at most,
# still goes at once (later, after the bot was down say, it waits for the morning).
LATE_BEFORE_QUIET_HOURS = timedelta(minutes=10)


async def sweep(deps: Deps) -> int:
    """Queue every reminder due by now; returns how many were queued."""
    now = deps.clock.now()
    policy = deps.org.reminders
    queued = 0
    # Who a department or the coordination office is does not change during a sweep.
    known: dict[tuple[Audience, str], list[Staff]] = {}

    async def crowd(tx: Transaction, audience: Audience, issue: Issue) -> list[Staff]:
        if audience not in _SAME_FOR_THE_WHOLE_DEPARTMENT:
            return await people_for(tx, audience, issue)
        key = (audience, issue.department)
        if key not in known:
            known[key] = await people_for(tx, audience, issue)
        return known[key]

    while True:
        async with deps.store.transaction() as tx:
            due = await tx.issues.reminders_due(now, BATCH)
            reminders: dict[tuple[int, int], OutboxItem] = {}
            ladders: list[LadderMoved] = []
            for issue in due:
                ladder = plan(issue, policy, deps.org.calendar, now)
                send_at = _send_at(issue, now, deps)
                for rung in ladder.fire:
                    payload = {"phase": str(issue.phase), "rung": rung.kind.value}
                    for audience in rung.audiences:
                        for person in may_hear(issue, await crowd(tx, audience, issue)):
                            # One reminder of an issue waiting per person: of the rungs that
                            # fire together, the last one's.
                            reminders[issue.id, person.id] = to_person(
                                person,
                                f"rem:{issue.id}:{issue.phase}:{rung.index}:{person.id}",
                                OutboxKind.REMINDER,
                                now,
                                Priority.URGENT if issue.urgent else Priority.REMINDER,
                                due_at=send_at,
                                issue_id=issue.id,
                                payload=payload,
                            )
                ladders.append(LadderMoved(issue.id, issue.phase, ladder.passed, ladder.next_at))
            # A newer reminder replaces an older one still held back (by quiet hours, or by
            # Telegram's limits).
            await tx.outbox.supersede_reminders(list(reminders), now)
            queued += await tx.outbox.add_many(list(reminders.values()))
            await tx.issues.passed_reminders(ladders)
        if len(due) < BATCH:
            return queued


def _send_at(issue: Issue, now: datetime, deps: Deps) -> datetime:
    """Routine reminders that fall due in quiet hours wait for their end; urgent ones go now.
    One due just before they began goes now too, if the sweep finds it soon after (it may run
    a minute later, at 22:00, for one due at 21:59). An issue whose deadline runs in working
    days is held to working hours instead: its routine reminders wait for them (the evening,
    the weekend, a holiday; the deadline itself, at their close, goes, but no other rung that
    falls at that moment); its urgent ones do not."""
    if issue.urgent:
        return now
    fell_due = issue.next_reminder_at or now
    if issue.due_workdays is not None:
        calendar = deps.org.calendar
        at_deadline = fell_due == issue.due  # the deadline's rung, at the close of the day
        opened = calendar.is_open(fell_due, closing=at_deadline)
        if now - fell_due <= LATE_BEFORE_QUIET_HOURS and opened:
            return now
        return calendar.next_open(now)
    quiet = deps.org.reminders.quiet_hours
    if quiet is None:
        return now
    if now - fell_due <= LATE_BEFORE_QUIET_HOURS and not quiet.contains(fell_due, deps.zone):
        return now
    return quiet.release(now, deps.zone)
