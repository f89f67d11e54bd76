"""The proxy the Bot API is reached through (`TELEGRAM_PROXY`), where Telegram is blocked.

`http://[USER:PASSWORD@]HOST:PORT` or `socks5://[USER:PASSWORD@]HOST:PORT` (`socks5h://` too,
as curl spells a SOCKS5 proxy that resolves names). The URL may hold a password: nothing
here repeats it, and `Proxy.secrets` is what the logs, printed errors and the outbox blot out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

# socks5h is curl's name for a SOCKS5 proxy that resolves the names: the bot's SOCKS5 always
# lets the proxy resolve them (where Telegram is blocked, the local DNS often answers wrongly
# for its names), so both spellings mean the same here.
_SCHEMES: dict[str, Literal["http", "socks5"]] = {
    "http": "http",
    "socks5": "socks5",
    "socks5h": "socks5",
}
_FORM = (
    "use http://HOST:PORT or socks5://HOST:PORT, with USER:PASSWORD@ before HOST if the proxy"
    " asks for them"
)
_ENCODE = " (in a user name or password, write @ : / ? # % as %40 %3A %2F %3F %23 %25)"


@dataclass(frozen=True)
class Proxy:
    scheme: Literal["http", "socks5"]
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    # The password as written in the URL (percent-encoded), which an error may quote too.
    written_password: str = field(default="", repr=False)

    @property
    def url(self) -> str:
        """For the HTTP client: with the user name and password."""
        credentials = ""
        if self.username or self.password:
            credentials = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}@"
        return f"{self.scheme}://{credentials}{self._address}"

    @property
    def shown(self) -> str:
        """For lines the operator reads: the password blotted out."""
        credentials = ""
        if self.username or self.password:
            hidden = ":[password]" if self.password else ""
            credentials = f"{quote(self.username, safe='')}{hidden}@"
        return f"{self.scheme}://{credentials}{self._address}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The password, as the bot sends it and as it is written in the URL."""
        return tuple(
            dict.fromkeys(
                p
                for p in (self.password, self.written_password, quote(self.password, safe=""))
                if p
            )
        )

    @property
    def _address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return f"{host}:{self.port}"


def parse_proxy(text: str) -> Proxy:
    """The proxy `text` names; a ValueError saying what is wrong, never quoting the text (it may
    hold a password)."""
    scheme, separator, _ = text.partition("://")
    if not separator:
        raise ValueError(f"not a proxy URL: {_FORM}")
    kind = _SCHEMES.get(scheme.lower())
    if kind is None:
        # The scheme is no secret, and naming it says what is wrong (https://, socks4://).
        shown = scheme if scheme.isascii() and scheme.isalnum() and len(scheme) <= 10 else "that"
        raise ValueError(f"{shown}:// is not a proxy the bot can use: {_FORM}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"the port is not a number from 1 to 65535{_ENCODE}") from None
    if not parts.hostname:
        raise ValueError(f"the proxy's host is missing: {_FORM}")
    if port is None or port == 0:
        raise ValueError(f"the proxy's port is missing: {_FORM}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"a proxy URL ends after HOST:PORT{_ENCODE}")
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    # Both clients send them as single bytes (aiohttp as Latin-1, python-socks as ASCII),
    # and fail on other letters with an error that quotes them.
    if not (username + password).isascii():
        raise ValueError("the proxy's user name and password must be in ASCII letters and signs")
    return Proxy(
        scheme=kind,
        host=parts.hostname,
        port=port,
        username=username,
        password=password,
        written_password=parts.password or "",
    )
