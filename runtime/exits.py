"""The exit status of `bot.py` when it stopped because it lost its lease on the database (another
bot may hold it now): not 0, so that systemd's Restart=on-failure (and any supervisor) starts it
again, as a standby if another bot took over. Here, not in runtime/app.py, for `bot.py` to name
it without loading the application."""

LEASE_LOST = 3
