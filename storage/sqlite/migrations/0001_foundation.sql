-- The organisation (mirrored from the organisation file at start-up) and the people.
-- Times are whole seconds since the Unix epoch, UTC.

CREATE TABLE departments (
    code          TEXT PRIMARY KEY,
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    group_chat_id INTEGER,
    position      INTEGER NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE categories (
    code                    TEXT PRIMARY KEY,
    name_zh                 TEXT NOT NULL,
    name_en                 TEXT NOT NULL,
    department              TEXT NOT NULL REFERENCES departments (code),
    respond_within_s        INTEGER NOT NULL,
    resolve_within_s        INTEGER NOT NULL,
    urgent_respond_within_s INTEGER NOT NULL,
    urgent_resolve_within_s INTEGER NOT NULL,
    position                INTEGER NOT NULL,
    active                  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE staff (
    id                INTEGER PRIMARY KEY,
    telegram_id       INTEGER NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('worker', 'member', 'head', 'coordinator')),
    department        TEXT REFERENCES departments (code),
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    language          TEXT CHECK (language IN ('zh', 'en')),
    telegram_language TEXT,
    joined_at         INTEGER NOT NULL,
    deactivated_at    INTEGER,
    CHECK (role NOT IN ('member', 'head') OR department IS NOT NULL)
) STRICT;

CREATE INDEX staff_by_department ON staff (department, role) WHERE active = 1;
CREATE INDEX staff_by_role ON staff (role) WHERE active = 1;

CREATE TABLE invites (
    code       TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('worker', 'member', 'head', 'coordinator')),
    department TEXT REFERENCES departments (code),
    created_by INTEGER NOT NULL REFERENCES staff (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by    INTEGER REFERENCES staff (id),
    used_at    INTEGER
) STRICT;
