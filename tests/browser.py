"""What the browser tests share (tests/test_playground_page.py, tests/test_dashboard_page.py):
the system's Chromium (apt-get install chromium; nothing is downloaded at test time), driven by
Playwright for Python, and where their screenshots go."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, async_playwright

from playground.runner import Playground
from playground.web import make_app

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "data" / "screenshots"  # not committed; the README's are copied to docs/
WAIT_MS = 15_000  # the longest a step may take to show (a sweep, an export being built)

# In CI (.ci/run installs Chromium first) the tests always run; elsewhere they need the browser.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="no /usr/bin/chromium (apt-get install chromium, or ./scripts/install-browser.sh)",
)


async def launched() -> AsyncIterator[Browser]:
    """The system's Chromium, headless, for a test (the `browser` fixture, tests/conftest.py)."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Running:
    url: str
    playground: Playground


@asynccontextmanager
async def playground_served(data: Path) -> AsyncIterator[Running]:
    """The playground (the bot, its emulated Telegram, the page's server) on ports of its own
    and a data folder of its own."""
    playground = Playground(data=data, sweep_seconds=0.5)
    await playground.start()
    runner = web.AppRunner(make_app(playground))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield Running(f"http://127.0.0.1:{port}", playground)
    finally:
        await runner.cleanup()
        await playground.stop()
