-- The call-back asks the citizen three things, one tap each (issue 17; casework/callbacks.py):
-- did the department contact you, is the problem solved, how satisfied are you (the verdict,
-- as before: 'unreachable' when the citizen could not be reached). The answers are kept on the
-- call-back's step of the timeline, so the citizen's rates are counted from the timeline alone;
-- the citizen's words are its text. NULL on every other step, and on a call-back that could
-- not reach the citizen (nothing was asked).
ALTER TABLE issue_events ADD COLUMN contacted TEXT
    CHECK (contacted IN ('yes', 'no', 'not_asked'));
ALTER TABLE issue_events ADD COLUMN solved TEXT
    CHECK (solved IN ('solved', 'partly', 'not_solved', 'not_asked'));

-- How many times the citizen could not be reached since the issue was resolved, and whether
-- that reached [callback] attempts (then a coordinator may close it with a reason).
ALTER TABLE issues ADD COLUMN unreached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE issues ADD COLUMN callback_given_up INTEGER NOT NULL DEFAULT 0
    CHECK (callback_given_up IN (0, 1));

-- Call-backs recorded before this release asked for the verdict alone: they keep it, and the
-- two questions they never asked are 'not_asked' (not 'no'). This is the timeline's one
-- rewrite for it, made with its guard lifted and put back at once.
DROP TRIGGER issue_events_are_never_updated;

UPDATE issue_events SET contacted = 'not_asked', solved = 'not_asked'
WHERE kind = 'callback' AND verdict IN ('satisfied', 'basically_satisfied', 'dissatisfied');

-- The guard of migration 0013, with the two new columns: a redaction changes neither.
CREATE TRIGGER issue_events_are_never_updated BEFORE UPDATE ON issue_events
WHEN NOT (
    OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
    AND NEW.photos = '[]'
    AND (NEW.text IS NULL) = (OLD.text IS NULL)
    AND NEW.id IS OLD.id
    AND NEW.issue_id IS OLD.issue_id
    AND NEW.at IS OLD.at
    AND NEW.actor_id IS OLD.actor_id
    AND NEW.kind IS OLD.kind
    AND NEW.department IS OLD.department
    AND NEW.target_id IS OLD.target_id
    AND NEW.withdraw_reason IS OLD.withdraw_reason
    AND NEW.on_behalf IS OLD.on_behalf
    AND NEW.due_at IS OLD.due_at
    AND NEW.verdict IS OLD.verdict
    AND NEW.contacted IS OLD.contacted
    AND NEW.solved IS OLD.solved
    AND NEW.spell IS OLD.spell
    AND NEW.spell_started_at IS OLD.spell_started_at
    AND NEW.spell_due_at IS OLD.spell_due_at
    AND NEW.spell_department IS OLD.spell_department
)
BEGIN
    SELECT RAISE(ABORT, 'the timeline is append-only');
END;

-- Issues closed before this release and still waiting for their call-back (none recorded, or
-- the citizen could not be reached) keep the old way until it is recorded: the verdict alone,
-- on the closed issue (casework/issues.py Issue.awaits_old_callback). Their tries so far, for
-- their card: the call-backs that could not reach the citizen since the issue was last closed.
UPDATE issues SET unreached = (
    SELECT count(*) FROM issue_events e
    WHERE e.issue_id = issues.id AND e.kind = 'callback' AND e.verdict = 'unreachable'
      AND e.id > (SELECT coalesce(max(c.id), 0) FROM issue_events c
                  WHERE c.issue_id = issues.id AND c.kind = 'confirmed')
)
WHERE status = 'closed' AND callback = 'unreachable';
