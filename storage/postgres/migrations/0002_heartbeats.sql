-- SQLite's 0031: the heartbeats of the bot's loops (casework/health.py), which `bot.py check`
-- and the metrics read: when each last did its work, and how often it means to. One row each,
-- replaced at each beat.
CREATE TABLE heartbeats (
    name   TEXT PRIMARY KEY,          -- casework.health.Beat
    at     BIGINT NOT NULL,           -- epoch seconds
    every  DOUBLE PRECISION NOT NULL  -- seconds between beats, as the loop means them
);
