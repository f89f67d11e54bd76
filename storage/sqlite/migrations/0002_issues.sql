-- Citizen issues, their append-only timeline, drafts and prompts in progress,
-- the cards sent about each issue, and the outbox of messages to deliver.

CREATE TABLE issues (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL
                  CHECK (status IN ('pending', 'accepted', 'returned', 'resolved', 'closed', 'withdrawn')),
    description   TEXT NOT NULL,
    category      TEXT NOT NULL REFERENCES categories (code),
    department    TEXT NOT NULL REFERENCES departments (code),
    reporter_id   INTEGER NOT NULL REFERENCES staff (id),
    assignee_id   INTEGER REFERENCES staff (id),
    accepted_by   INTEGER REFERENCES staff (id),
    urgent        INTEGER NOT NULL CHECK (urgent IN (0, 1)),
    source        TEXT NOT NULL CHECK (source IN ('visit', 'window', 'hotline', 'online')),
    latitude      REAL,
    longitude     REAL,
    address       TEXT,
    citizen_name  TEXT,
    citizen_phone TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    handed_at     INTEGER NOT NULL,
    respond_by    INTEGER,
    resolve_by    INTEGER,
    reopen_count  INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX issues_by_reporter ON issues (reporter_id, created_at);
CREATE INDEX issues_open_by_department ON issues (department, status)
    WHERE status IN ('pending', 'accepted', 'returned', 'resolved');
CREATE INDEX issues_by_assignee ON issues (assignee_id) WHERE assignee_id IS NOT NULL;

CREATE TABLE issue_photos (
    issue_id INTEGER NOT NULL REFERENCES issues (id),
    position INTEGER NOT NULL,
    file_id  TEXT NOT NULL,
    PRIMARY KEY (issue_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE issue_assists (
    issue_id   INTEGER NOT NULL REFERENCES issues (id),
    department TEXT NOT NULL REFERENCES departments (code),
    PRIMARY KEY (issue_id, department)
) STRICT, WITHOUT ROWID;

CREATE TABLE issue_counters (
    month TEXT PRIMARY KEY,
    last  INTEGER NOT NULL
) STRICT;

CREATE TABLE issue_events (
    id              INTEGER PRIMARY KEY,
    issue_id        INTEGER NOT NULL REFERENCES issues (id),
    at              INTEGER NOT NULL,
    actor_id        INTEGER REFERENCES staff (id),
    kind            TEXT NOT NULL,
    department      TEXT,
    text            TEXT,
    photos          TEXT NOT NULL DEFAULT '[]',
    target_id       INTEGER REFERENCES staff (id),
    withdraw_reason TEXT,
    on_behalf       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX issue_events_by_issue ON issue_events (issue_id, id);
CREATE INDEX issue_events_by_kind_and_time ON issue_events (kind, at);

-- The timeline is a record of who did what: it is never rewritten.
CREATE TRIGGER issue_events_are_never_updated BEFORE UPDATE ON issue_events
BEGIN
    SELECT RAISE(ABORT, 'the timeline is append-only');
END;

CREATE TRIGGER issue_events_are_never_deleted BEFORE DELETE ON issue_events
BEGIN
    SELECT RAISE(ABORT, 'the timeline is append-only');
END;

-- One issue being written per person (the intake wizard), kept across restarts.
CREATE TABLE drafts (
    staff_id   INTEGER PRIMARY KEY REFERENCES staff (id),
    chat_id    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX drafts_by_age ON drafts (updated_at);

-- One question waiting for a typed answer per person (a reason, a resolution …).
CREATE TABLE prompts (
    staff_id   INTEGER PRIMARY KEY REFERENCES staff (id),
    chat_id    INTEGER NOT NULL,
    issue_id   INTEGER NOT NULL REFERENCES issues (id),
    action     TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX prompts_by_age ON prompts (updated_at);

-- Every message that shows an issue's card, so cards can be refreshed and replies to
-- them read as notes.
CREATE TABLE cards (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    issue_id   INTEGER NOT NULL REFERENCES issues (id),
    staff_id   INTEGER REFERENCES staff (id),  -- the viewer; NULL in a department group
    department TEXT REFERENCES departments (code),  -- the group's department
    PRIMARY KEY (chat_id, message_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX cards_by_issue ON cards (issue_id);

-- Messages to deliver, written in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    staff_id    INTEGER REFERENCES staff (id),
    department  TEXT REFERENCES departments (code),
    issue_id    INTEGER REFERENCES issues (id),
    event_id    INTEGER REFERENCES issue_events (id),
    message_id  INTEGER,  -- for edits: the message to edit; once sent: the message sent
    payload     TEXT NOT NULL DEFAULT '{}',
    priority    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    sent_at     INTEGER,
    failed_at   INTEGER,
    last_error  TEXT
) STRICT;

CREATE INDEX outbox_due ON outbox (priority, due_at) WHERE sent_at IS NULL AND failed_at IS NULL;
