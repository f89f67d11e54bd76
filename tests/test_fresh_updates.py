"""Updates the database had never seen when they were fetched are not looked up again at the
gate (casework/services/updates.py `Fresh`); any other copy is."""

from __future__ import annotations

from casework.services.updates import Fresh


def test_a_fresh_update_is_fresh_once_and_a_second_copy_is_looked_up() -> None:
    fresh = Fresh()
    fresh.add([7, 8])

    assert fresh.take(7) is True
    assert fresh.take(7) is False  # a second copy of it: the gate asks the database
    assert fresh.take(9) is False  # never said fresh (left from before a restart, say)
    assert fresh.take(8) is True


def test_fresh_updates_no_handler_took_are_let_go_beyond_the_limit() -> None:
    fresh = Fresh(limit=2)
    fresh.add([1, 2, 3])  # 1 never reached the gate

    assert [fresh.take(n) for n in (1, 2, 3)] == [False, True, True]
