"""The deployment files (README, "Deployment"): the image runs as a user of its own with a
health check, the systemd unit stops the bot within its own deadline and writes only its data
folder, the compose file gives Docker's stop the same room. What the machine allows is run
(`systemd-analyze verify`); the rest is read as the tools would read it."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.app import STOP_DEADLINE_SECONDS

ROOT = Path(__file__).parent.parent
UNIT = ROOT / "deploy" / "duban.service"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"


def unit() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(UNIT.read_text("utf-8"))
    return parser


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continued lines joined), as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text("utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_unit_gives_the_bot_its_stop_deadline_then_kills() -> None:
    service = unit()["Service"]

    assert service["TimeoutStopSec"] == str(STOP_DEADLINE_SECONDS)
    assert service["KillSignal"] == "SIGTERM"
    assert service["KillMode"] == "mixed"  # SIGTERM to the bot; its export processes are its own


def test_the_unit_runs_the_bot_as_its_own_user_writing_only_its_data_folder() -> None:
    service = unit()["Service"]

    assert service["User"] == "duban" and service["Group"] == "duban"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/duban"
    assert service["EnvironmentFile"] == "/etc/duban/duban.env"
    assert service["ExecStart"].endswith("bot.py run")  # never the playground
    assert service["NoNewPrivileges"] == "true"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # The interpreter's path is this machine's (the unit's /opt/duban/.venv is not here).
    copy = tmp_path / "duban.service"
    copy.write_text(
        UNIT.read_text("utf-8").replace("/opt/duban/.venv/bin/python", sys.executable), "utf-8"
    )

    checked = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )

    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == ""


def test_the_image_runs_as_a_user_of_its_own_with_a_health_check() -> None:
    found = instructions()
    users = [args for keyword, args in found if keyword == "USER"]
    bases = [args.split()[0] for keyword, args in found if keyword == "FROM"]
    args = dict(a.split("=", 1) for k, a in found if k == "ARG" and "=" in a)
    healthcheck = next(args for keyword, args in found if keyword == "HEALTHCHECK")

    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert args["PYTHON_IMAGE"] in ("python:3.11-slim-bookworm", "python:3.12-slim-bookworm")
    assert all(base in ("${PYTHON_IMAGE}",) for base in bases)
    assert healthcheck.endswith('CMD ["python", "bot.py", "check"]')
    assert ("CMD", '["python", "bot.py", "run"]') in found
    assert ("STOPSIGNAL", "SIGTERM") in found
    assert ("VOLUME", '["/var/lib/duban"]') in found
    env = [a for k, a in found if k == "ENV"][-1]  # the running stage's
    assert "DATABASE_URL=sqlite:////var/lib/duban/duban.sqlite3" in env
    assert "ORG_FILE=/var/lib/duban/org.toml" in env


def test_the_image_leaves_out_secrets_data_and_the_tools() -> None:
    ignored = set((ROOT / ".dockerignore").read_text("utf-8").split())

    assert {".env", "data", ".venv", ".git", "config/org.toml", "tests"} <= ignored
    assert "README.md" not in ignored  # pip reads it (pyproject.toml's readme)


def test_compose_runs_the_bot_on_postgresql_and_gives_its_stop_room() -> None:
    text = COMPOSE.read_text("utf-8")
    grace = re.search(r"stop_grace_period: (\d+)s", text)

    assert grace is not None and int(grace.group(1)) > STOP_DEADLINE_SECONDS
    assert "DATABASE_URL: postgresql://duban:${DUBAN_DB_PASSWORD}@db/duban" in text
    assert "condition: service_healthy" in text
    assert '"127.0.0.1:9464:9464"' in text  # metrics published on the host's loopback only
