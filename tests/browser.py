"""What the browser tests share (tests/test_playground_page.py, tests/test_dashboard_page.py):
the system's Chromium (apt-get install chromium; nothing is downloaded at test time), driven by
Playwright for Python, and where their screenshots go."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

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
