"""What people look at: their own issues, their inbox, one issue with its timeline."""

from __future__ import annotations

from dataclasses import dataclass

from casework import errors, lifecycle
from casework.commands import Action
from casework.issues import Event, Issue
from casework.lookup import Lookup, LookupKind
from casework.merging import may_merge
from casework.numbering import parse_number
from casework.people import Staff
from casework.ports import IssuePage, LookupScope, Transaction, Viewer
from casework.retention import national_number
from casework.roles import Role
from casework.services import Deps, reload_actor

PAGE_SIZE = 8
# /find lists the newest this many at most: a lookup that finds more is asked to be narrower
# (and counting every match of a common word among a million issues would be slow).
FIND_MOST = 96


@dataclass(frozen=True)
class Shown:
    """An issue's card as one viewer sees it now: what it says, and its buttons."""

    issue: Issue
    actions: list[Action]  # the viewer's steps, or those of a department's group card
    people: dict[int, Staff]  # the people the card names


@dataclass(frozen=True)
class Details:
    issue: Issue
    timeline: list[Event]
    people: dict[int, Staff]  # everyone the timeline names
    actions: list[Action]  # what the viewer may do now
    may_merge: bool = False  # a coordinator, the issue open: merged with a duplicate


async def find(deps: Deps, actor: Staff, number_text: str) -> Issue:
    """The issue with this number, if the person may see it (else: not found)."""
    number = parse_number(number_text)
    if number is None:
        raise errors.IssueNotFound()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await tx.issues.by_number(number)
    if issue is None or not lifecycle.may(issue, actor, Action.VIEW):
        raise errors.IssueNotFound()
    return issue


async def details(deps: Deps, actor: Staff, issue_id: int) -> Details:
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await tx.issues.get(issue_id)
        if issue is None or not lifecycle.may(issue, actor, Action.VIEW):
            raise errors.IssueNotFound()
        timeline = await tx.timeline.of_issue(issue_id)
        named = {
            issue.reporter_id,
            *(e.actor_id for e in timeline if e.actor_id),
            *(e.target_id for e in timeline if e.target_id),
        }
        if issue.assignee_id:
            named.add(issue.assignee_id)
        if issue.subject_id:
            named.add(issue.subject_id)
        people = await tx.staff.by_ids(named)
    actions = lifecycle.allowed_actions(issue, actor)
    return Details(issue, timeline, people, actions, may_merge(issue, actor))


async def card(deps: Deps, actor: Staff, issue_id: int, group: str | None = None) -> Shown | None:
    """The issue's card as the person sees it now (in `group`'s department group: that group's
    buttons); None if they may no longer see it."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await tx.issues.get(issue_id)
        return await shown(tx, issue, actor, group) if issue is not None else None


async def shown(tx: Transaction, issue: Issue, viewer: Staff, group: str | None) -> Shown | None:
    """The card of `issue` for `viewer`, or for the department `group` whose group chat it is
    in; None if the viewer may not see the issue (say, they transferred it away)."""
    if not lifecycle.may(issue, viewer, Action.VIEW):
        return None
    if group is not None:
        actions = lifecycle.group_actions(issue, group)
    else:
        actions = lifecycle.allowed_actions(issue, viewer)
    named = {
        i for i in (issue.reporter_id, issue.accepted_by, issue.assignee_id, issue.subject_id) if i
    }
    return Shown(issue, actions, await tx.staff.by_ids(named))


async def mine(deps: Deps, actor: Staff, page: int) -> IssuePage:
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        return await tx.issues.reported_by(actor.id, PAGE_SIZE, max(page, 0) * PAGE_SIZE)


async def inbox(deps: Deps, actor: Staff, page: int) -> IssuePage:
    """Pending and accepted issues of the person's department; all of them for coordinators."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        if actor.role is Role.COORDINATOR:
            department = None
        elif actor.role in (Role.HEAD, Role.MEMBER) and actor.department:
            department = actor.department
        else:
            raise errors.NotAllowed("inbox")
        return await tx.issues.inbox(
            department, PAGE_SIZE, max(page, 0) * PAGE_SIZE, Viewer.of(actor)
        )


async def look_up(
    deps: Deps, actor: Staff, lookup: Lookup, page: int, group: str | None = None
) -> IssuePage:
    """`/find`: a page of the issues the lookup finds that the person may see, newest first;
    `total` counts them up to FIND_MOST + 1 (more than FIND_MOST: only the newest are listed).
    `group`: asked in that department's group chat, where all read the answer: only its cases."""
    pages = -(-FIND_MOST // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        if lookup.kind is LookupKind.NUMBER:
            issue = await tx.issues.by_number(lookup.key)
            found = IssuePage([issue] if issue is not None else [], int(issue is not None))
        else:
            found = await tx.issues.find(
                lookup,
                LookupScope.of(actor, group),
                min(PAGE_SIZE, FIND_MOST - page * PAGE_SIZE),
                page * PAGE_SIZE,
                FIND_MOST + 1,
            )
    # The rule again, issue by issue: the query's scope only narrows what is read.
    shown = [i for i in found.issues if _may_list(i, actor, group)]
    total = found.total if lookup.kind is not LookupKind.NUMBER else len(shown)
    return IssuePage(shown, total)


async def phone_lookup(deps: Deps, actor: Staff, issue_id: int) -> Lookup:
    """The lookup of the citizen's phone of an issue the person may see: what a page button of
    a phone's lookup carries instead of the phone (button data is not masked)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await tx.issues.get(issue_id)
    if issue is None or not lifecycle.may(issue, actor, Action.VIEW) or not issue.citizen_phone:
        raise errors.StaleStep()
    return Lookup(LookupKind.PHONE, national_number(issue.citizen_phone))


def _may_list(issue: Issue, actor: Staff, group: str | None) -> bool:
    if not lifecycle.may(issue, actor, Action.VIEW):
        return False
    return group is None or (issue.department == group and not issue.is_complaint)
