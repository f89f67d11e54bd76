-- Telegram updates already handled: one delivered twice (as after a crash while polling) is
-- recognised and skipped. Rows older than a few days are cleared by the sweep.

CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL
) STRICT;

CREATE INDEX processed_updates_by_age ON processed_updates (at);
