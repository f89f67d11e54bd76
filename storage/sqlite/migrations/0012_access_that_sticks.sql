-- Access that stays as it was left: names come from the roster or the invitation (never from
-- a Telegram profile, which anyone can set); the roster file is the authority for the people it
-- lists; invitations can be revoked, and die with their maker's access; a coordinator's access
-- ends only when a second coordinator confirms; and a trail of who let whom in or out.

-- As the person's Telegram profile names them: shown beside their name, never instead of it.
ALTER TABLE staff ADD COLUMN telegram_name TEXT;
-- Imported from the roster: removing the line (or `active = false`) ends their access.
ALTER TABLE staff ADD COLUMN from_roster INTEGER NOT NULL DEFAULT 0 CHECK (from_roster IN (0, 1));
UPDATE staff SET from_roster = 1
    WHERE id NOT IN (SELECT used_by FROM invites WHERE used_by IS NOT NULL);

-- Whom an invitation is for, as the coordinator typed it.
ALTER TABLE invites ADD COLUMN name TEXT;
ALTER TABLE invites ADD COLUMN revoked_at INTEGER;
ALTER TABLE invites ADD COLUMN revoked_by INTEGER REFERENCES staff (id);
CREATE INDEX invites_open ON invites (expires_at) WHERE used_by IS NULL AND revoked_at IS NULL;

-- A name typed for an invitation while its role and department are picked with buttons.
CREATE TABLE invite_drafts (
    id         INTEGER PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- One coordinator asked to end another coordinator's access; a second one must confirm.
CREATE TABLE deactivation_requests (
    target_id    INTEGER PRIMARY KEY REFERENCES staff (id),
    requested_by INTEGER NOT NULL REFERENCES staff (id),
    requested_at INTEGER NOT NULL
) STRICT;

-- Who let whom in and who ended whose access, for /staff. Never rewritten.
CREATE TABLE access_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES staff (id),  -- NULL: the organisation file (the operator)
    action     TEXT NOT NULL,
    target_id  INTEGER REFERENCES staff (id),  -- the person concerned, once there is one
    role       TEXT,
    department TEXT,
    name       TEXT  -- whom an invitation was for
) STRICT;

CREATE INDEX access_log_by_time ON access_log (at);
CREATE INDEX access_log_by_target ON access_log (target_id, at) WHERE target_id IS NOT NULL;

CREATE TRIGGER access_log_is_never_updated BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

CREATE TRIGGER access_log_is_never_deleted BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

-- What is known of the past: who joined through whose invitation, and who came from the roster.
INSERT INTO access_log (at, actor_id, action, target_id, role, department)
    SELECT used_at, created_by, 'joined', used_by, role, department
    FROM invites WHERE used_by IS NOT NULL;
INSERT INTO access_log (at, actor_id, action, target_id, role, department)
    SELECT joined_at, NULL, 'roster_added', id, role, department
    FROM staff WHERE from_roster = 1;
