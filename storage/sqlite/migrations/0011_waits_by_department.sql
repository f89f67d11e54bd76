-- The waits behind /stats's medians (time to accept, time to resolve), per department and kind
-- in index order: read from the index alone, with no sorting (the query names each department,
-- so SQLite seeks to each one's period without statistics). The query for a year at a million
-- issues: 0.8 s -> 0.2 s, for about 60 bytes an issue.

CREATE INDEX issue_events_waits ON issue_events (department, kind, at, spell_started_at)
    WHERE kind IN ('accepted', 'resolved') AND spell_started_at IS NOT NULL;
