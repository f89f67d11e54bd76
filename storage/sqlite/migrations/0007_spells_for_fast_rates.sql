-- Each step that ends a wait (for a response, or for a resolution) keeps what that wait was:
-- when it began, its deadline, whose it was. The rates then count plain index ranges instead
-- of looking up, for every step, the step before it. (No deployment predates this migration,
-- so the new columns need no back-filling.)

ALTER TABLE issue_events ADD COLUMN spell TEXT CHECK (spell IN ('response', 'resolution'));
ALTER TABLE issue_events ADD COLUMN spell_started_at INTEGER;
ALTER TABLE issue_events ADD COLUMN spell_due_at INTEGER;
ALTER TABLE issue_events ADD COLUMN spell_department TEXT;

DROP INDEX issue_events_by_deadline;
DROP INDEX issue_events_by_department;
DROP INDEX issue_events_by_kind_and_time;

-- Covering indexes: each metric reads one range of one of them, never the table.
CREATE INDEX issue_events_by_deadline ON issue_events (kind, due_at, department)
    WHERE due_at IS NOT NULL;
CREATE INDEX issue_events_by_spell
    ON issue_events (spell, spell_due_at, spell_department, kind, at)
    WHERE spell IS NOT NULL;
CREATE INDEX issue_events_by_kind_and_time
    ON issue_events (kind, at, department, spell_started_at, verdict);
