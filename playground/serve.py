"""`python bot.py playground`: start the playground and say where its page is."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from playground.runner import DATA, Playground, exposed
from playground.web import make_app
from storage import StorageError

log = logging.getLogger(__name__)

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8080


def address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


async def serve(host: str, port: int, data: Path) -> None:
    """Run until SIGINT or SIGTERM."""
    playground = Playground(data=data)
    try:
        await playground.start()
    except StorageError as problem:  # another playground runs on it
        await playground.stop()
        raise SystemExit(f"bot.py playground: its database in {data}: {problem}") from None
    runner = web.AppRunner(make_app(playground, exposed=exposed(host)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as problem:
        await runner.cleanup()
        await playground.stop()
        raise SystemExit(f"bot.py playground: cannot listen on {host}:{port}: {problem}") from None
    bound = site._server.sockets[0].getsockname()[1] if port == 0 else port  # type: ignore[union-attr]
    # Before the address is out: whoever reads it may stop the playground at once.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    print(f"playground: {address(host, bound)}", flush=True)
    print(
        "playground: the bot against its built-in Telegram, with a sample district and a"
        f" database of its own ({data}); Ctrl+C stops it",
        flush=True,
    )
    if exposed(host):
        print(
            f"playground: WARNING: listening on {host}, not on this machine only: anyone who can"
            " reach it acts as every person in it",
            file=sys.stderr,
            flush=True,
        )
    try:
        await stopping.wait()
    finally:
        await runner.cleanup()
        await playground.stop()


def main() -> int:
    host = os.environ.get("PLAYGROUND_HOST") or DEFAULT_HOST
    try:
        port = int(os.environ.get("PLAYGROUND_PORT") or DEFAULT_PORT)
    except ValueError:
        print("bot.py playground: PLAYGROUND_PORT must be a number", file=sys.stderr)
        return 2
    data = Path(os.environ.get("PLAYGROUND_DATA_DIR") or DATA)
    asyncio.run(serve(host, port, data))
    print("playground: stopped", flush=True)
    return 0
