-- Updates fetched from Telegram, kept until they are handled. Fetching the next batch tells
-- Telegram the previous one arrived, so an update the bot fetched but had not yet handled
-- when it died would otherwise be gone: it is handled from here after a restart.

CREATE TABLE incoming_updates (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
