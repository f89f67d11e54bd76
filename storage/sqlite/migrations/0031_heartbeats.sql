-- The heartbeats of the bot's loops (casework/health.py): when each last did its work, and how
-- often it means to. `bot.py check` and the metrics read them, from another process or
-- connection: the fetching of updates and the sweep. One row each, replaced at each beat.
CREATE TABLE heartbeats (
    name   TEXT PRIMARY KEY,  -- casework.health.Beat
    at     INTEGER NOT NULL,  -- epoch seconds
    every  REAL NOT NULL      -- seconds between beats, as the loop means them
) STRICT, WITHOUT ROWID;
