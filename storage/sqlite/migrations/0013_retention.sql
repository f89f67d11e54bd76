-- Retention (PIPL; casework/retention.py, the README's "Privacy and retention"): some time after
-- an issue ended, or when the citizen asks, the citizen's personal data is removed from the issue
-- and blanked in the texts of its timeline; the issue's cards in chats are retired; delivered
-- messages and invitations never used are purged.

-- When the citizen's data was last removed from the issue, and when its cards were last
-- retired. A step after that (a note on a closed issue) makes the issue due again, once that
-- step is old enough: what it added is removed in turn. (Times are whole seconds: a step in
-- the same second as the redaction counts as after it.)
ALTER TABLE issues ADD COLUMN redacted_at INTEGER;
ALTER TABLE issues ADD COLUMN cards_retired_at INTEGER;

-- What the sweep has left to do, by the issue's last step. An issue leaves these indexes once
-- done, so a sweep reads what is due, not every issue ever logged. (Each query repeats the
-- condition word for word: SQLite uses a partial index only then.)
CREATE INDEX issues_to_redact ON issues (updated_at)
    WHERE status IN ('closed', 'withdrawn') AND (redacted_at IS NULL OR redacted_at <= updated_at);
CREATE INDEX issues_with_cards_to_retire ON issues (updated_at)
    WHERE status IN ('closed', 'withdrawn')
      AND (cards_retired_at IS NULL OR cards_retired_at <= updated_at);

-- /redact finds a citizen's issues by their phone; a redacted issue has none, and leaves it.
CREATE INDEX issues_by_citizen_phone ON issues (citizen_phone) WHERE citizen_phone IS NOT NULL;

-- The timeline stays append-only but for one controlled change, once per step: a redaction
-- blanks its text and drops its photos, and says when (redacted_at, from NULL). Every other
-- column must stay as it was; anything else is refused as before, and rows are never deleted.
-- (A migration that adds a column to issue_events must add it to this list.)
ALTER TABLE issue_events ADD COLUMN redacted_at INTEGER;

DROP TRIGGER issue_events_are_never_updated;

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
    AND NEW.spell IS OLD.spell
    AND NEW.spell_started_at IS OLD.spell_started_at
    AND NEW.spell_due_at IS OLD.spell_due_at
    AND NEW.spell_department IS OLD.spell_department
)
BEGIN
    SELECT RAISE(ABORT, 'the timeline is append-only');
END;

-- Messages delivered or given up, by when: purged after `sent_messages_for`.
CREATE INDEX outbox_done ON outbox (coalesce(sent_at, failed_at))
    WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL;

-- A /redact waiting for the coordinator's confirmation: which issues it found, never the phone
-- (the button carries only the token). Dropped when answered, or soon after.
CREATE TABLE redaction_requests (
    token      TEXT PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    issue_ids  TEXT NOT NULL,  -- JSON list
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX redaction_requests_by_age ON redaction_requests (created_at);
