-- What each person holds now (issues in progress assigned to them) and how many of those are
-- overdue: every Assign press counts it for the department's people, and /stats and the weekly
-- report for everyone. 0004's index (assignee_id, status) held every issue ever assigned, closed
-- ones too (most of a city's million), and no deadline, so counting read them all; this one
-- holds only the issues in progress with someone assigned (a few per person), deadline
-- included, so a person's count is one short range of it and the table is never read (status
-- is a column too: SQLite reads the table for a column the query names that the index lacks,
-- even one its condition fixes). It replaces 0004's, which no query uses any more.

DROP INDEX issues_held;

CREATE INDEX issues_held_open ON issues (assignee_id, status, resolve_by)
    WHERE status = 'accepted' AND assignee_id IS NOT NULL;
