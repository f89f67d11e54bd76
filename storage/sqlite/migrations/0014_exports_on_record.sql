-- Exports being built are on record: one at a time per person, and a person whose export a
-- crash or a stop cut short is told so at the next start (casework/services/reports.py).
CREATE TABLE exports_running (
    staff_id     INTEGER PRIMARY KEY REFERENCES staff (id),
    chat_id      INTEGER NOT NULL,
    period       TEXT NOT NULL,  -- as shown to the person
    requested_at INTEGER NOT NULL
) STRICT;

-- The sweep forgets invitations never used a while after they expired: through this index,
-- not by reading every invitation ever made.
CREATE INDEX invites_unused_by_expiry ON invites (expires_at) WHERE used_by IS NULL;

-- Links made before invitations named their person registered whoever opened them under their
-- Telegram profile's name, which anyone can set: revoked (a coordinator makes a new one).
UPDATE invites SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER)
    WHERE name IS NULL AND used_by IS NULL AND revoked_at IS NULL;
