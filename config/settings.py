"""Runtime settings, read from the environment and an optional `.env` file.

The names are fixed (deployments and outside checks rely on them); see `.env.example`.
"""

from __future__ import annotations

import re
import urllib.parse
import zoneinfo
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.proxy import Proxy, parse_proxy
from storage import StorageError, locate

TELEGRAM_BOT_API = "https://api.telegram.org/bot"


class SettingsError(Exception):
    """The settings could not be loaded; the message has one line per bad field."""


class StorageSettings(BaseSettings):
    """What commands that only touch the database (backups) need: no token."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Which store: a plain path or sqlite:///PATH (storage/location.py reads it). Nothing but
    # storage looks inside; everything else passes it on.
    database_url: str = "sqlite:///data/duban.sqlite3"
    # The older name of DATABASE_URL (a path), still read so deployments' .env files keep
    # working; set one of the two. Read nowhere else: it becomes `database_url`.
    database_path: str | None = Field(default=None, repr=False)

    @field_validator("database_url", "database_path")
    @classmethod
    def _names_a_store(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                locate(value)
            except StorageError as problem:
                raise ValueError(str(problem)) from None
        return value

    @model_validator(mode="after")
    def _one_name_for_the_database(self) -> Self:
        if self.database_path is not None:
            if "database_url" in self.model_fields_set:
                raise ValueError(
                    "DATABASE_URL and DATABASE_PATH are both set: DATABASE_PATH is the older"
                    " name of DATABASE_URL; keep one"
                )
            self.database_url, self.database_path = self.database_path, None
        return self


class Settings(StorageSettings):
    bot_token: SecretStr
    bot_api_base_url: str = TELEGRAM_BOT_API
    org_file: Path = Path("config/org.toml")
    timezone: str = "Asia/Shanghai"
    default_language: Literal["zh", "en"] = "zh"
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    telegram_rate_limit: bool = True
    telegram_timeout_seconds: float = Field(default=10.0, gt=0)
    telegram_upload_limit_mb: float = Field(default=50.0, gt=0)
    database_lock_wait_seconds: float = Field(default=30.0, ge=0)
    # A standby (issue 23): this bot waits, as long as it takes, for the one running on the
    # database to stop, then takes over (instead of giving up after DATABASE_LOCK_WAIT_SECONDS).
    standby: bool = False
    # Where Telegram is blocked: every Bot API call goes through this HTTP or SOCKS5 proxy
    # (config/proxy.py). It may hold a password: a secret, as the token is.
    telegram_proxy: SecretStr | None = None
    # The dashboard (a Telegram Mini App, issue 21): where the bot's process serves it
    # (`host:port`; empty: not at all), the public HTTPS address Telegram opens (behind a
    # reverse proxy with TLS; empty: no menu button, and /dashboard says it is not set up), and
    # the map's tiles (a URL template with {z}/{x}/{y}; empty: the points on a plain background).
    dashboard_listen: str = ""
    dashboard_url: str = ""
    map_tiles_url: str = ""
    map_tiles_attribution: str = ""
    # Webhooks (README, "Webhooks"): with WEBHOOK_URL set, Telegram delivers updates to that
    # public HTTPS address (a reverse proxy with TLS) instead of the bot fetching them; the bot
    # listens on WEBHOOK_LISTEN:WEBHOOK_PORT at WEBHOOK_PATH (the URL's own path unless set).
    # WEBHOOK_SECRET, required with it, is the header every delivery must carry: a secret.
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = ""
    # Prometheus metrics (runtime/metrics.py): served on METRICS_HOST:METRICS_PORT at /metrics;
    # off while METRICS_PORT is unset or empty (0: any free port, for tests).
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"

    @field_validator("bot_token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("bot_api_base_url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("telegram_proxy")
    @classmethod
    def _usable_proxy(cls, value: SecretStr | None) -> SecretStr | None:
        url = value.get_secret_value().strip() if value is not None else ""
        if not url:  # `TELEGRAM_PROXY=` in .env: no proxy
            return None
        parse_proxy(url)  # its ValueError says what is wrong, without the URL
        return SecretStr(url)

    @field_validator("dashboard_listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        value = value.strip()
        if value:
            parse_listen(value)  # its ValueError says what is wrong
        return value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("metrics_host")
    @classmethod
    def _a_metrics_host(cls, value: str) -> str:
        value = value.strip().removeprefix("[").removesuffix("]")  # [::1] as ::1
        if not value or any(c.isspace() or c in "/[]@" for c in value):
            raise ValueError("must be a host name or address, for example 127.0.0.1")
        return value

    @field_validator("dashboard_url")
    @classmethod
    def _opened_by_telegram(cls, value: str) -> str:
        value = value.strip()
        if value and not (value.startswith("https://") or _on_this_machine(value)):
            raise ValueError("must start with https:// (Telegram opens only HTTPS addresses)")
        return value

    @field_validator("map_tiles_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        value = value.strip()
        if value and not (
            value.startswith(("https://", "http://"))
            and all(part in value for part in ("{z}", "{x}", "{y}"))
        ):
            raise ValueError("must be an http(s) URL with {z}, {x} and {y} in it")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _called_by_telegram(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        if not (value.startswith("https://") or _on_this_machine(value)):
            raise ValueError("must start with https:// (Telegram delivers only to HTTPS addresses)")
        parts = urllib.parse.urlsplit(value)
        if not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                "must be an address with a host and a path, and no ?query or #fragment,"
                " for example https://duban.example.gov.cn/telegram"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        secret = value.get_secret_value().strip() if value is not None else ""
        if not secret:  # `WEBHOOK_SECRET=` in .env: not set
            return None
        if not _WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError(
                "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule); make"
                " one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return SecretStr(secret)

    @field_validator("webhook_listen")
    @classmethod
    def _a_host(cls, value: str) -> str:
        value = value.strip().removeprefix("[").removesuffix("]")
        if not value:
            raise ValueError("must be an address to listen on, for example 127.0.0.1")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _a_path(cls, value: str) -> str:
        value = value.strip()
        if value and (not value.startswith("/") or any(c in value for c in "?# ")):
            raise ValueError("must be a path starting with /, for example /telegram")
        return value

    @model_validator(mode="after")
    def _webhook_has_its_secret(self) -> Self:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET is not set: it is required with WEBHOOK_URL (every delivery"
                " must carry it); make one with:"
                " python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (try Asia/Shanghai)") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def dashboard_address(self) -> tuple[str, int] | None:
        """Where the dashboard is served (`DASHBOARD_LISTEN`), if it is."""
        return parse_listen(self.dashboard_listen) if self.dashboard_listen else None

    @property
    def webhook_route(self) -> str:
        """The path the webhook server answers at: WEBHOOK_PATH, else WEBHOOK_URL's own."""
        path = self.webhook_path or urllib.parse.urlsplit(self.webhook_url).path
        return path or "/"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Besides the token: what is kept out of logs and printed errors (the proxy's
        password, the webhook's secret)."""
        secret = self.webhook_secret
        return (*self.proxy_passwords, *((secret.get_secret_value(),) if secret else ()))

    @property
    def proxy(self) -> Proxy | None:
        """The proxy the Bot API is reached through, if any."""
        url = self.telegram_proxy
        return parse_proxy(url.get_secret_value()) if url is not None else None

    @property
    def proxy_passwords(self) -> tuple[str, ...]:
        """What of the proxy's URL is kept out of logs, printed errors and the outbox."""
        proxy = self.proxy
        return proxy.secrets if proxy else ()

    @property
    def bot_api_file_url(self) -> str:
        """The file URL that goes with the base URL (`…/bot` → `…/file/bot`)."""
        base = self.bot_api_base_url
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        if base.endswith("/bot{token}"):
            return base[: -len("/bot{token}")] + "/file/bot{token}"
        return base + "/file"


# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def parse_listen(value: str) -> tuple[str, int]:
    """`127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:8080` → host and port."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError("must be host:port, for example 127.0.0.1:8080")
    return host, int(port)


def _on_this_machine(url: str) -> bool:
    """An http:// address on this machine (the playground's; Telegram itself opens HTTPS)."""
    return url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's errors into one clear line per bad field."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


def load_storage_settings() -> StorageSettings:
    try:
        return StorageSettings()
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


_NOT_ECHOED = {"BOT_TOKEN", "DATABASE_URL", "DATABASE_PATH", "TELEGRAM_PROXY", "WEBHOOK_SECRET"}


def describe_errors(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # about the settings together, not one of them: says which
            lines.append(message)
            continue
        field = ".".join(str(part) for part in error["loc"]).upper()
        if error["type"] == "missing":
            lines.append(f"{field} is not set: put it in the environment or in .env")
            continue
        # The token is a secret, and a database or proxy URL may hold a password: never
        # echoed back.
        shown = "" if field in _NOT_ECHOED else f" (got {error.get('input')!r})"
        lines.append(f"{field} is invalid: {message}{shown}")
    return "\n".join(lines)
