"""The dashboard's HTTP server (issue 21), run inside the bot's own process (runtime/app.py)
when DASHBOARD_LISTEN is set: the page (`dashboard/static/`, as it is) at `/dashboard/`, and
its data at `/dashboard/api/*`. Behind a reverse proxy with TLS (README, "Dashboard").

Every data request carries Telegram's init data (`Authorization: tma <init data>`), checked
for the bot's token and a day's age; the person is read again from the database each time.
No signature, a forged or stale one: 401; someone who may not see it: 403; neither with data.
Nothing about the person or the issues is logged (no access log: paths name issues).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from casework import errors
from casework.metrics import BadPeriod
from casework.services import dashboard
from dashboard import api
from dashboard.initdata import NotSigned, SignedIn, check_init_data

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
PREFIX = "/dashboard"
UNSIGNED = {"error": "unsigned"}
FORBIDDEN = {"error": "forbidden"}
NOT_FOUND = {"error": "not_found"}
FAILED = {"error": "failed"}

Handler = Callable[[web.Request, api.Asker], Awaitable[api.JSON | api.Encoded]]


class DashboardServer:
    """The dashboard's aiohttp server on `host:port`, started and stopped by the runtime."""

    def __init__(self, page: api.Page, token: str, host: str, port: int) -> None:
        self._page = page
        self._app = make_app(page, token)
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self.port = port  # the port bound, once started (0 asks for any free one)

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("dashboard served on %s:%d%s/", self._host, self.port, PREFIX)

    async def stop(self) -> None:
        """Requests under way finish (each is a read of a second at most); then it closes."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._page.reports.close()


def make_app(page: api.Page, token: str) -> web.Application:
    app = web.Application(middlewares=[_headers(_policy(page.tiles_url))])

    def signed(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def answer(request: web.Request) -> web.Response:
            try:
                who = await _who(request, page, token)
                return _json(await handler(request, who))
            except NotSigned:
                return _json(UNSIGNED, 401)
            except BadPeriod as bad:
                t = who.t
                return _json({"error": "period", "message": api.period_problem(t, bad)}, 400)
            except errors.IssueNotFound:
                return _json(NOT_FOUND, 404)
            except errors.NotAllowed:
                return _json(FORBIDDEN, 403)
            except Exception:  # a bug: logged (no request data), answered as JSON all the same
                log.exception("a dashboard request failed")
                return _json(FAILED, 500)

        return answer

    async def me(request: web.Request, who: api.Asker) -> api.JSON:
        return api.me(page, who)

    async def ranking(request: web.Request, who: api.Asker) -> api.JSON:
        return await api.ranking(page, who, api.period_of(page, request.query.get("period")))

    async def trend(request: web.Request, who: api.Asker) -> api.JSON:
        period = api.period_of(page, request.query.get("period"))
        return await api.trend(page, who, period, _department(request))

    async def overdue(request: web.Request, who: api.Asker) -> api.JSON:
        return await api.overdue(page, who, _department(request))

    async def issue(request: web.Request, who: api.Asker) -> api.JSON:
        try:
            issue_id = int(request.match_info["issue_id"])
        except ValueError:
            raise errors.IssueNotFound() from None
        if not 0 < issue_id < 2**63:  # no issue has it, and SQLite cannot take it
            raise errors.IssueNotFound()
        return await api.issue(page, who, issue_id)

    async def points(request: web.Request, who: api.Asker) -> api.Encoded:
        return await api.points(page, who, _department(request))

    async def workload(request: web.Request, who: api.Asker) -> api.JSON:
        period = api.period_of(page, request.query.get("period"))
        return await api.workload(page, who, period, _department(request))

    for path, handler in (
        ("me", me),
        ("ranking", ranking),
        ("trend", trend),
        ("overdue", overdue),
        ("issue/{issue_id}", issue),
        ("map", points),
        ("workload", workload),
    ):
        app.router.add_get(f"{PREFIX}/api/{path}", signed(handler))
    app.router.add_route("*", f"{PREFIX}/api/{{rest:.*}}", _no_such_thing)
    app.router.add_get(PREFIX, _to_the_page)
    app.router.add_get(f"{PREFIX}/", _index)
    if STATIC.is_dir():
        app.router.add_static(f"{PREFIX}/", STATIC, follow_symlinks=False)
    return app


async def _who(request: web.Request, page: api.Page, token: str) -> api.Asker:
    """The person Telegram signed the request's init data for, as the database has them now;
    `NotSigned`, or `NotAllowed` for someone who may not open the dashboard."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "tma" or not raw.strip():
        raise NotSigned("no init data")
    signed: SignedIn = check_init_data(raw.strip(), token, page.deps.clock.now())
    person = await dashboard.viewer(page.deps, signed.user_id)
    return api.asker(page, person, signed)


def _department(request: web.Request) -> str | None:
    return request.query.get("department") or None


def _json(body: dict[str, Any] | api.Encoded, status: int = 200) -> web.Response:
    text = body if isinstance(body, api.Encoded) else json.dumps(body, ensure_ascii=False)
    return web.Response(
        text=text,
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


async def _no_such_thing(request: web.Request) -> web.Response:
    return _json(NOT_FOUND, 404)


async def _to_the_page(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


async def _index(request: web.Request) -> web.StreamResponse:
    index = STATIC / "index.html"
    if not index.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(index, headers={"Cache-Control": "no-cache"})


def _policy(tiles_url: str | None) -> str:
    """The page may load and ask only the bot's own server (and the map tiles' host, if set):
    should anything slip past the page's escaping, it could neither run a script from
    elsewhere nor send data away."""
    tiles = ""
    if tiles_url:  # `https://{s}.tile.example.org/{z}/{x}/{y}.png`: any of its subdomains
        parts = urllib.parse.urlsplit(tiles_url)
        tiles = f" {parts.scheme}://{parts.netloc.replace('{s}', '*', 1)}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{tiles}; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def _headers(policy: str) -> Middleware:
    @web.middleware
    async def headers(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Nothing sniffed, nothing of the address passed on to others, nothing loaded from
        elsewhere."""
        response = await handler(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy", policy)
        return response

    return headers
