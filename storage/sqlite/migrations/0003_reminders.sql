-- Deadlines and reminders: where each issue stands on its reminder ladder; who cannot be
-- reached; when a delivery was attempted; which digests were queued.

ALTER TABLE issues ADD COLUMN phase INTEGER NOT NULL DEFAULT 0;
ALTER TABLE issues ADD COLUMN phase_started_at INTEGER;
ALTER TABLE issues ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE issues ADD COLUMN next_reminder_at INTEGER;

-- The sweep reads only what is due: its cost grows with what is due, not with what is open.
CREATE INDEX issues_by_next_reminder ON issues (next_reminder_at)
    WHERE next_reminder_at IS NOT NULL;

-- Overdue views and digests: open issues by deadline.
CREATE INDEX issues_pending_by_deadline ON issues (respond_by) WHERE status = 'pending';
CREATE INDEX issues_accepted_by_deadline ON issues (resolve_by) WHERE status = 'accepted';

-- Someone who blocked the bot (or never opened a chat with it) cannot be sent anything.
ALTER TABLE staff ADD COLUMN unreachable_since INTEGER;

-- Set just before a message is handed to Telegram: after a crash, a message attempted but
-- not marked sent is the only kind that can arrive twice.
ALTER TABLE outbox ADD COLUMN attempted_at INTEGER;

CREATE TABLE digests (
    day  TEXT NOT NULL,  -- local date, YYYY-MM-DD
    kind TEXT NOT NULL,
    PRIMARY KEY (day, kind)
) STRICT, WITHOUT ROWID;
