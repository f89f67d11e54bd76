"""The bot runs on uvloop's event loop where uvloop is installed (everywhere but Windows):
a step costs it less CPU there (BENCHMARKS.md, issue 22)."""

from __future__ import annotations

import pytest

import bot


def test_the_bot_runs_on_uvloop_where_it_is_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    loop = bot.new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
