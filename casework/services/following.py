"""A follower's own call-back (casework/following.py): 📞 under the notice that the issue they
follow was resolved (or closed), then two taps, each checked again here."""

from __future__ import annotations

from dataclasses import dataclass

from casework import following
from casework.following import FollowerAnswer, FollowerCallBack
from casework.issues import Event, Issue
from casework.people import Staff
from casework.services import Deps, reload_actor


@dataclass(frozen=True)
class FollowerAsked:
    issue: Issue
    call_back: FollowerCallBack  # as it is now: the question asked next, or recorded
    event: Event | None  # the step recorded, at the last answer


async def call_back(
    deps: Deps, actor: Staff, issue_id: int, given: FollowerAnswer | None = None
) -> FollowerAsked:
    """📞 (`given` None: the question to ask now) or an answer, taken in one transaction: the
    person re-read, the issue one they follow, resolved or closed, their call-back not yet
    recorded. The last answer puts the step on the issue's timeline; it tells no one and
    changes nothing else (no rate counts it)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await tx.issues.get(issue_id)
        state = await tx.issues.follower_call_back(issue_id, actor.id) if issue else None
        issue = following.check(issue, state, actor)
        assert state is not None
        if given is None:
            return FollowerAsked(issue, state, None)
        changed, event = following.answer(issue, state, actor, given, now)
        if changed != state:
            await tx.issues.save_follower_call_back(issue.id, actor.id, changed)
        if event is not None:
            event = await tx.timeline.append(issue.id, event)
        return FollowerAsked(issue, changed, event)
