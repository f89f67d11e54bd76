"""When a department must respond to, and resolve, an issue.

Both clocks start when a department receives the issue (submission, re-routing or
transfer): respond (accept or return) within the category's `respond_within`, resolve within
`resolve_within`; the `urgent_` durations for urgent issues. Accepting keeps the resolution
deadline. Reopening gives the department a fresh `resolve_within` from the moment of reopening.
"""

from __future__ import annotations

from datetime import datetime

from casework.organisation import Category


def response_deadline(category: Category, urgent: bool, received_at: datetime) -> datetime:
    return received_at + (category.urgent_respond_within if urgent else category.respond_within)


def resolution_deadline(category: Category, urgent: bool, start: datetime) -> datetime:
    return start + (category.urgent_resolve_within if urgent else category.resolve_within)
