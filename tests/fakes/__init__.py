"""Fakes of the ports, for tests of the use cases without SQLite (cosmicpython's fake unit of
work and fake repositories): `FakeStore` implements `casework.ports.Store` in plain Python.

A transaction works on a copy of every table taken as it begins, and is committed by keeping
the copy: one that raises leaves no trace. One transaction at a time; `reading()` sees a
snapshot and refuses to write (`StoreWriteFailed`, as SQLite's read-only connection).
`store.transactions` counts the transactions opened, `store.tables` holds what was committed.

Faked, and held to what the SQLite store does by tests/test_store_contract.py (each test runs
on both): staff and the roster, the organisation, invitations, the access log, drafts,
questions (prompts), the outbox, cards, digests, Telegram updates, /redact questions, exports
on record; of issues, numbering, create, save (over the version read), get, by number,
version, forget photos, what people hold now (to assign), and the retention policy's lists
(to redact, cards to retire); of the timeline, append, of an issue, get, latest step; of the
figures, the tallies (kept in `tables.tallies`).

Not faked (they raise `NotFaked`; test them on the SQLite store): the issues' lists (reported
by, inbox, overdue, open counts, reminders due, with a citizen's phone), the timeline's
redaction, the figures' queries, the exports' batches. Nor does the fake check what SQLite's
schema checks (foreign keys, the timeline's trigger): tests/test_storage.py does.
"""

from __future__ import annotations

from casework.ports import Store
from tests.fakes.store import FakeStore, FakeTransaction
from tests.fakes.tables import NotFaked, Tables


def _is_a_store(store: FakeStore) -> Store:
    return store  # mypy checks here that the fake keeps to the ports as they change


__all__ = ["FakeStore", "FakeTransaction", "NotFaked", "Tables"]
