"""Proxies on 127.0.0.1 for the tests of TELEGRAM_PROXY: an HTTP one and a SOCKS5 one.

Each knows a route the bot cannot take by itself: the bot is given a Bot API at a closed port
(`Blocked`: connections to it are refused, as Telegram's are where it is blocked), and only
the proxy knows that the fake Bot API is what answers there. So a call that reaches the fake
Bot API went through the proxy.

The HTTP proxy is a small aiohttp app, as the fake Bot API is: aiohttp's server takes a
request in a forward proxy's absolute form (`POST http://host:port/bot…/getMe`), and the proxy
sends it on with aiohttp's client (proxy.py, from PyPI, would be a second server framework,
run in threads or a process of its own, for what these forty lines do). The SOCKS5 server is
a few lines of asyncio (RFC 1928's CONNECT, with RFC 1929's user name and password): the
tests need what a real proxy does not do, to record how the bot named the host (by name, for
the proxy to resolve it) and lead that name to the fake Bot API's port; and the packaged
server usually taken for tests, pproxy, has had no release since January 2024 (2.7.9).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

Address = tuple[str, int]

# Hop-by-hop headers: for the proxy itself, not sent on.
_HOP = {
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


class Blocked:
    """A port on 127.0.0.1 that refuses every connection: bound, never listening, and so
    taken by nobody else while the test holds it."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    def close(self) -> None:
        self._socket.close()


@dataclass
class Answer:
    """What the proxy answers instead of sending a request on (a proxy's own error page)."""

    status: int
    body: str


class HttpProxy:
    """An HTTP forward proxy: checks the user name and password (Basic, in
    Proxy-Authorization) if it has them, and sends each request on to where `routes` maps its
    host and port."""

    def __init__(
        self, routes: dict[Address, Address], username: str = "", password: str = ""
    ) -> None:
        self._routes = routes
        self._credentials = (username, password) if username or password else None
        self.forwarded: list[str] = []  # the paths of the requests it sent on
        self.refused: list[str] = []  # the paths it turned away (407, or no route)
        self.answer: Answer | None = None
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        self._client = aiohttp.ClientSession(auto_decompress=False)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, username: str = "", password: str = "") -> str:
        credentials = f"{username}:{password}@" if username or password else ""
        return f"http://{credentials}127.0.0.1:{self.port}"

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        path = request.rel_url.path
        if self._credentials is not None and not self._authorised(request):
            self.refused.append(path)
            return web.Response(status=407, headers={"Proxy-Authenticate": 'Basic realm="test"'})
        if self.answer is not None:
            self.refused.append(path)
            return web.Response(status=self.answer.status, text=self.answer.body)
        target = self._routes.get((request.url.host or "", request.url.port or 80))
        if target is None:
            self.refused.append(path)
            return web.Response(status=502, text="no route")
        self.forwarded.append(path)
        assert self._client is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._client.request(
            request.method,
            f"http://{target[0]}:{target[1]}{request.rel_url}",
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as answer:
            body = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
            return web.Response(status=answer.status, body=body, headers=kept)

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, encoded = request.headers.get("Proxy-Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        username, _, password = base64.b64decode(encoded).decode().partition(":")
        return (username, password) == self._credentials


@dataclass
class Socks5Proxy:
    """A SOCKS5 server that connects each CONNECT to where `routes` maps the destination the
    client named (`asked`: as it named it, a host name or an address)."""

    routes: dict[Address, Address]
    username: str = ""
    password: str = ""
    asked: list[Address] = field(default_factory=list)
    refused: int = 0  # clients turned away at the greeting or the password
    silent: bool = False  # takes connections and never answers (a proxy that hangs)
    port: int = 0
    _server: asyncio.Server | None = None
    _connections: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def url(self, username: str = "", password: str = "", scheme: str = "socks5") -> str:
        credentials = f"{username}:{password}@" if username or password else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._session(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.silent:
            await asyncio.Event().wait()  # until the test stops the server
        _version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        method = 2 if self.username or self.password else 0  # user and password, or none
        if method not in methods:
            self.refused += 1
            writer.write(b"\x05\xff")
            return
        writer.write(bytes([5, method]))
        if method == 2:
            _version, size = await reader.readexactly(2)
            username = (await reader.readexactly(size)).decode()
            size = (await reader.readexactly(1))[0]
            password = (await reader.readexactly(size)).decode()
            if (username, password) != (self.username, self.password):
                self.refused += 1
                writer.write(b"\x01\x01")
                return
            writer.write(b"\x01\x00")
        _version, command, _reserved, kind = await reader.readexactly(4)
        if kind == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        port = int.from_bytes(await reader.readexactly(2), "big")
        self.asked.append((host, port))
        target = self.routes.get((host, port))
        if command != 1 or target is None:
            writer.write(b"\x05\x04\x00\x01" + bytes(6))  # host unreachable
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        writer.write(b"\x05\x00\x00\x01" + bytes(6))
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    if writer.can_write_eof():
        with contextlib.suppress(OSError):
            writer.write_eof()
