"""Settings from the environment and .env, with one clear line per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "BOT_TOKEN",
        "BOT_API_BASE_URL",
        "DATABASE_URL",
        "DATABASE_PATH",
        "ORG_FILE",
        "TIMEZONE",
        "DEFAULT_LANGUAGE",
        "SWEEP_INTERVAL_SECONDS",
        "LOG_LEVEL",
        "TELEGRAM_PROXY",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_LISTEN",
        "WEBHOOK_PORT",
        "WEBHOOK_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer's .env is read


def test_only_the_token_is_required_and_the_defaults_are_the_documented_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")

    settings = load_settings()

    assert settings.bot_api_base_url == "https://api.telegram.org/bot"
    assert settings.bot_api_file_url == "https://api.telegram.org/file/bot"
    assert settings.database_url == "sqlite:///data/duban.sqlite3"
    assert settings.org_file == Path("config/org.toml")
    assert settings.timezone == "Asia/Shanghai"
    assert settings.default_language == "zh"
    assert settings.sweep_interval_seconds == 60
    assert settings.log_level == "INFO"
    assert settings.proxy is None


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "BOT_TOKEN=123:from-dotenv\nDEFAULT_LANGUAGE=en\nSWEEP_INTERVAL_SECONDS=0.5\n"
        "BOT_API_BASE_URL=http://127.0.0.1:8081/bot\nlog_level=debug\n"
    )

    settings = load_settings()

    assert settings.bot_token.get_secret_value() == "123:from-dotenv"
    assert settings.default_language == "en"
    assert settings.sweep_interval_seconds == 0.5
    assert settings.bot_api_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.log_level == "DEBUG"


def test_the_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123:from-dotenv\nTIMEZONE=Asia/Shanghai\n")
    monkeypatch.setenv("TIMEZONE", "Asia/Urumqi")

    assert load_settings().timezone == "Asia/Urumqi"


def test_a_missing_token_is_named_in_one_line() -> None:
    with pytest.raises(SettingsError) as refusal:
        load_settings()

    assert str(refusal.value) == "BOT_TOKEN is not set: put it in the environment or in .env"


def test_each_bad_value_gets_its_own_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    monkeypatch.setenv("SWEEP_INTERVAL_SECONDS", "-5")
    monkeypatch.setenv("BOT_API_BASE_URL", "api.telegram.org")
    monkeypatch.setenv("LOG_LEVEL", "LOUD")

    with pytest.raises(SettingsError) as refusal:
        load_settings()

    lines = str(refusal.value).splitlines()
    assert len(lines) == 5
    assert any(line.startswith("TIMEZONE is invalid: unknown time zone") for line in lines)
    assert any(line.startswith("DEFAULT_LANGUAGE is invalid") and "'fr'" in line for line in lines)
    assert any(line.startswith("SWEEP_INTERVAL_SECONDS is invalid") for line in lines)
    assert any(
        line.startswith("BOT_API_BASE_URL is invalid: must start with http") for line in lines
    )
    assert any(line.startswith("LOG_LEVEL is invalid") for line in lines)


def test_a_bad_token_is_reported_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "   ")

    with pytest.raises(SettingsError) as refusal:
        load_settings()

    assert str(refusal.value) == "BOT_TOKEN is invalid: must not be empty"


def test_the_token_is_not_shown_when_settings_are_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:very-secret")

    settings = load_settings()

    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())


def test_a_self_hosted_server_url_with_a_token_placeholder_keeps_it() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="1:x",  # type: ignore[arg-type]
        bot_api_base_url="http://botapi.local/bot{token}",
    )

    assert settings.bot_api_file_url == "http://botapi.local/file/bot{token}"


def test_a_deployments_database_path_still_names_the_database(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "BOT_TOKEN=123:abc\nDATABASE_PATH=/var/lib/duban/duban.sqlite3\n"
    )

    settings = load_settings()

    assert settings.database_url == "/var/lib/duban/duban.sqlite3"
    assert settings.database_path is None  # read once, under its new name


def test_a_database_url_is_passed_on_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////var/lib/duban/duban.sqlite3")

    assert load_settings().database_url == "sqlite:////var/lib/duban/duban.sqlite3"


def test_both_names_of_the_database_at_once_are_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123:abc\nDATABASE_PATH=/srv/duban.sqlite3\n")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///data/duban.sqlite3")

    with pytest.raises(SettingsError) as refusal:
        load_settings()

    assert str(refusal.value) == (
        "DATABASE_URL and DATABASE_PATH are both set: DATABASE_PATH is the older name of"
        " DATABASE_URL; keep one"
    )


def test_a_database_this_release_cannot_open_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("DATABASE_URL", "mysql://duban:s3cret@db.internal/duban")

    with pytest.raises(SettingsError) as refusal:
        load_settings()

    assert str(refusal.value) == (
        "DATABASE_URL is invalid: mysql:// is not a store this release can open"
        " (this release opens SQLite (a file path, or sqlite:///PATH) and PostgreSQL (postgresql://USER:PASSWORD@HOST/DATABASE))"
    )


def test_the_example_file_names_every_setting_under_its_present_name(tmp_path: Path) -> None:
    example = (Path(__file__).parent.parent / ".env.example").read_text("utf-8")
    (tmp_path / ".env").write_text(example.replace("BOT_TOKEN=\n", "BOT_TOKEN=123:abc\n"))

    settings = load_settings()

    settings_lines = [line for line in example.splitlines() if line and not line.startswith("#")]
    named = {line.split("=")[0].lower() for line in settings_lines}
    assert named == set(Settings.model_fields) - {"database_path"}  # the older name
    assert settings.database_url == "sqlite:///data/duban.sqlite3"


@pytest.mark.parametrize(
    ("written", "scheme", "host", "port", "username", "password", "shown"),
    [
        ("http://127.0.0.1:3128", "http", "127.0.0.1", 3128, "", "", "http://127.0.0.1:3128"),
        ("socks5://127.0.0.1:1080/", "socks5", "127.0.0.1", 1080, "", "", "socks5://127.0.0.1:1080"),
        # curl's name for a SOCKS5 proxy that resolves names, which the bot's always does
        ("SOCKS5H://clash.lan:7890", "socks5", "clash.lan", 7890, "", "", "socks5://clash.lan:7890"),
        (
            " http://duban:p%40ss%3Aw0rd@proxy.example:3128 ",
            "http", "proxy.example", 3128, "duban", "p@ss:w0rd",
            "http://duban:[password]@proxy.example:3128",
        ),
        ("http://[::1]:8118", "http", "::1", 8118, "", "", "http://[::1]:8118"),
    ],
)  # fmt: skip
def test_a_proxy_for_the_bot_api_is_read_as_http_or_socks5(
    monkeypatch: pytest.MonkeyPatch,
    written: str,
    scheme: str,
    host: str,
    port: int,
    username: str,
    password: str,
    shown: str,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_PROXY", written)

    proxy = load_settings().proxy

    assert proxy is not None
    assert (proxy.scheme, proxy.host, proxy.port) == (scheme, host, port)
    assert (proxy.username, proxy.password) == (username, password)
    assert proxy.shown == shown
    assert proxy.url.startswith(f"{scheme}://")


def test_an_empty_proxy_setting_means_no_proxy(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123:abc\nTELEGRAM_PROXY=\n")

    assert load_settings().proxy is None


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (
            "https://duban:s3cret-pw@proxy:3128",
            "https:// is not a proxy the bot can use: use http://HOST:PORT or"
            " socks5://HOST:PORT, with USER:PASSWORD@ before HOST if the proxy asks for them",
        ),
        ("socks4://duban:s3cret-pw@proxy:1080", "socks4:// is not a proxy the bot can use"),
        ("duban:s3cret-pw@proxy:1080", "not a proxy URL: use http://HOST:PORT"),
        ("http://duban:s3cret-pw@proxy", "the proxy's port is missing"),
        ("socks5://duban:s3cret-pw@:1080", "the proxy's host is missing"),
        # a / in the password, not encoded: the URL ends early, at "duban:s3cret"
        (
            "http://duban:s3cret/-pw@proxy:3128",
            "the port is not a number from 1 to 65535 (in a user name or password, write"
            " @ : / ? # % as %40 %3A %2F %3F %23 %25)",
        ),
        ("http://duban:s3cret-pw@proxy:3128/path", "a proxy URL ends after HOST:PORT"),
        (
            "http://duban:s3cret-pw密码@proxy:3128",
            "the proxy's user name and password must be in ASCII letters and signs",
        ),
    ],
)
def test_a_proxy_the_bot_cannot_use_stops_it_with_one_line_never_repeating_the_password(
    monkeypatch: pytest.MonkeyPatch, written: str, said: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_PROXY", written)

    with pytest.raises(SettingsError) as refusal:
        load_settings()

    [line] = str(refusal.value).splitlines()
    assert line.startswith(f"TELEGRAM_PROXY is invalid: {said}"), line
    assert "s3cret" not in line


def test_the_proxy_password_is_not_shown_when_settings_are_printed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_PROXY", "socks5://duban:s3cret-pw@127.0.0.1:1080")

    settings = load_settings()

    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings.model_dump())
    assert "s3cret" not in repr(settings.proxy)


def test_updates_are_polled_unless_a_webhook_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")

    settings = load_settings()

    assert settings.webhook_url == ""
    assert settings.webhook_secret is None
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8443)


def test_the_webhook_listens_at_its_urls_path_unless_told_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBHOOK_URL", "https://duban.example.gov.cn/telegram/duban")
    monkeypatch.setenv("WEBHOOK_SECRET", "Abc_123-xyz")

    assert load_settings().webhook_route == "/telegram/duban"
    monkeypatch.setenv("WEBHOOK_PATH", "/hook")
    settings = load_settings()
    assert settings.webhook_route == "/hook"
    assert "Abc_123-xyz" not in repr(settings)
    assert "Abc_123-xyz" in settings.secrets  # kept out of the logs with the token


@pytest.mark.parametrize(
    ("environment", "said"),
    [
        (
            {"WEBHOOK_URL": "https://duban.example.gov.cn/telegram"},
            "WEBHOOK_SECRET is not set: it is required with WEBHOOK_URL",
        ),
        (
            {"WEBHOOK_URL": "http://duban.example.gov.cn/telegram", "WEBHOOK_SECRET": "s"},
            "WEBHOOK_URL is invalid: must start with https:// (Telegram delivers only to HTTPS",
        ),
        (
            {"WEBHOOK_URL": "https://duban.example.gov.cn/t", "WEBHOOK_SECRET": "密码 s3cret"},
            "WEBHOOK_SECRET is invalid: must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
        ),
        (
            {"WEBHOOK_URL": "https://x.example/t", "WEBHOOK_SECRET": "s", "WEBHOOK_PORT": "0"},
            "WEBHOOK_PORT is invalid: Input should be greater than or equal to 1",
        ),
    ],
)
def test_a_webhook_set_up_wrongly_stops_the_bot_with_one_line_never_repeating_the_secret(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], said: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as refusal:
        load_settings()

    [line] = str(refusal.value).splitlines()
    assert line.startswith(said), line
    assert "s3cret" not in line
