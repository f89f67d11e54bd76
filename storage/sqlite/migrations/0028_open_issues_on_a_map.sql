-- The dashboard's map (issue 21): the open issues with a pin, the newest first, read from this
-- index alone in order (a million issues hold tens of thousands open; the map shows the newest
-- few thousand, and counts the rest from the same index).
CREATE INDEX issues_open_pinned ON issues (created_at)
    WHERE status IN ('pending', 'accepted', 'returned', 'resolved') AND latitude IS NOT NULL;
