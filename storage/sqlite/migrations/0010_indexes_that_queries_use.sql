-- Issues a department has in hand (pending or accepted), for /inbox, /overdue, the digests and
-- the open counts in /stats. SQLite uses a partial index only for a query that repeats its
-- condition word for word, and no query said what 0002's index said, so every one of them read
-- the whole table. This one covers the deadlines too, so the counts never touch the table.

DROP INDEX issues_open_by_department;

CREATE INDEX issues_in_hand ON issues (department, status, respond_by, resolve_by)
    WHERE status IN ('pending', 'accepted');

-- What a person reported, open first: ordered from this index alone, then the page is read.
DROP INDEX issues_by_reporter;

CREATE INDEX issues_reported ON issues (reporter_id, created_at, status);
