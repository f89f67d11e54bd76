-- Call-backs and praise; the deadline each step set, kept on the timeline, so the rates
-- (response, on-time resolution) are computed from the timeline alone.

ALTER TABLE issues ADD COLUMN callback TEXT
    CHECK (callback IN ('satisfied', 'basically_satisfied', 'dissatisfied', 'unreachable'));
ALTER TABLE issues ADD COLUMN praised INTEGER NOT NULL DEFAULT 0;

ALTER TABLE issue_events ADD COLUMN due_at INTEGER;
ALTER TABLE issue_events ADD COLUMN verdict TEXT
    CHECK (verdict IN ('satisfied', 'basically_satisfied', 'dissatisfied', 'unreachable'));

-- Handoffs and acceptances by the deadline they set (response and resolution rates).
CREATE INDEX issue_events_by_deadline ON issue_events (kind, due_at) WHERE due_at IS NOT NULL;
-- Steps by department and time (returns, reopenings, resolutions, call-backs, praise).
CREATE INDEX issue_events_by_department ON issue_events (kind, department, at);
-- Issues by when they were logged (exports), and who holds them (workload).
CREATE INDEX issues_by_creation ON issues (created_at);
CREATE INDEX issues_held ON issues (assignee_id, status) WHERE assignee_id IS NOT NULL;
