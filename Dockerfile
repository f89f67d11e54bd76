# syntax=docker/dockerfile:1
# 督办 Duban: the bot in a container (README, "Deployment").
#
#   docker build -t duban .
#   docker run -d --name duban --env-file duban.env -v duban-data:/var/lib/duban duban
#
# The database (SQLite, unless DATABASE_URL names another) and the organisation file live in
# the volume /var/lib/duban; the image holds no secret (BOT_TOKEN comes from the environment).

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# The build: the dependencies into a virtual environment, the translation catalogs compiled.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY . .
# The project's dependencies (every one has a wheel for this Python, but fontmeta, pure
# Python); the project itself then leaves the environment: it runs from /app, where its
# catalogs and static files are.
RUN python -m venv /opt/duban \
    && /opt/duban/bin/pip install . \
    && /opt/duban/bin/pip uninstall --yes duban \
    && /opt/duban/bin/pybabel compile --domain messages --directory locales \
    && rm -rf build ./*.egg-info \
    && /opt/duban/bin/python -m compileall -q /src

# What runs: the environment and the source, as a user of its own.
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 duban \
    && useradd --system --uid 10001 --gid duban --home-dir /var/lib/duban \
        --shell /usr/sbin/nologin duban \
    && install -d -o duban -g duban -m 0700 /var/lib/duban
COPY --from=build /opt/duban /opt/duban
COPY --from=build /src /app
# matplotlib's font cache (the charts) is kept in the volume: built once, not at every start.
ENV PATH=/opt/duban/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////var/lib/duban/duban.sqlite3 \
    ORG_FILE=/var/lib/duban/org.toml \
    MPLCONFIGDIR=/var/lib/duban/.matplotlib
WORKDIR /app
USER 10001:10001
VOLUME ["/var/lib/duban"]
# Updates flowing, the outbox draining, the sweep on time, read from the database (exit 1 with
# a line a reason otherwise). The start period covers the first poll and the first sweep.
HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD ["python", "bot.py", "check"]
# The bot stops within 8 s of SIGTERM (runtime/app.py STOP_DEADLINE_SECONDS), under the 10 s
# Docker waits before it kills.
STOPSIGNAL SIGTERM
# `run`, not the default: without BOT_TOKEN it stops with a line, never starts the playground.
CMD ["python", "bot.py", "run"]
