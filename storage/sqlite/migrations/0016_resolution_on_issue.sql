-- The result of an issue (what the department did, with its photos) on the issue itself: every
-- card, reminder and export row shows it, and reading it from the timeline would cost a query
-- per card. It is a copy of the issue's latest resolved step (casework/issues.py Resolution):
-- written with that step, replaced by the next resolution after a reopening, and blanked by a
-- redaction together with the step it copies (casework/retention.py).
ALTER TABLE issues ADD COLUMN resolution TEXT;
ALTER TABLE issues ADD COLUMN resolution_photos TEXT NOT NULL DEFAULT '[]';  -- JSON list
ALTER TABLE issues ADD COLUMN resolved_at INTEGER;

-- Issues resolved before this release: their latest resolved step, as the timeline holds it
-- (blanked already where a redaction blanked it).
UPDATE issues
SET (resolution, resolution_photos, resolved_at) = (
    SELECT e.text, e.photos, e.at FROM issue_events e
    WHERE e.issue_id = issues.id AND e.kind = 'resolved'
    ORDER BY e.id DESC LIMIT 1
)
WHERE id IN (SELECT issue_id FROM issue_events WHERE kind = 'resolved');
