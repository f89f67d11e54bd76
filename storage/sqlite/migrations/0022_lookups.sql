-- /find: an index for each way an issue is looked up (issue 19).
--
-- The citizen's phone as its national number, the digits that identify it however it was
-- typed (casework.retention.national_number: without +86, 0086 or 86 in front, nor the trunk 0
-- of an area code). Intake stores a phone as digits with an optional + (check_phone), so the
-- expression needs only to drop the + and those prefixes. A virtual column: computed from
-- citizen_phone, it follows every write of it (a redaction's too) with no code to forget.
ALTER TABLE issues ADD COLUMN phone_digits TEXT GENERATED ALWAYS AS (
    CASE
        WHEN citizen_phone IS NULL THEN NULL
        WHEN substr(replace(citizen_phone, '+', ''), 1, 4) = '0086'
            THEN CASE WHEN substr(replace(citizen_phone, '+', ''), 5, 1) = '0'
                      THEN substr(replace(citizen_phone, '+', ''), 6)
                      ELSE substr(replace(citizen_phone, '+', ''), 5) END
        WHEN substr(replace(citizen_phone, '+', ''), 1, 2) = '86'
             AND length(replace(citizen_phone, '+', '')) >= 12
            THEN CASE WHEN substr(replace(citizen_phone, '+', ''), 3, 1) = '0'
                      THEN substr(replace(citizen_phone, '+', ''), 4)
                      ELSE substr(replace(citizen_phone, '+', ''), 3) END
        WHEN substr(replace(citizen_phone, '+', ''), 1, 1) = '0'
            THEN substr(replace(citizen_phone, '+', ''), 2)
        ELSE replace(citizen_phone, '+', '')
    END
) VIRTUAL;

-- A whole phone, and its last four digits; within each, the newest issue (the highest id)
-- first, as /find lists them.
CREATE INDEX issues_by_phone_digits ON issues (phone_digits) WHERE phone_digits IS NOT NULL;
CREATE INDEX issues_by_phone_tail ON issues (substr(phone_digits, -4))
    WHERE phone_digits IS NOT NULL;

-- Words of the description and the address, found as any part of a phrase. The text is cut
-- by storage/sqlite/words.py into overlapping two-character tokens (`路灯不亮` → `路灯 灯不 不亮`),
-- so that two characters are one token, and longer words a phrase of them (positions kept:
-- detail=full). It also carries tokens that say who may see the issue (its reporter, its
-- department, the departments assisting), so that a department's or a worker's lookup is
-- narrowed inside the index. rowid: the issue's id. Written by the repository (SqliteIssues)
-- with every issue it creates or saves; a redaction's save rewrites it.
CREATE VIRTUAL TABLE issue_words USING fts5 (
    words, tokenize = 'unicode61 remove_diacritics 0', detail = full, columnsize = 0
);

-- The issues already on record, indexed when the bot next opens the database (the words are
-- cut in Python), in batches, then forgotten here.
CREATE TABLE issue_words_to_fill (issue_id INTEGER PRIMARY KEY) STRICT;
INSERT INTO issue_words_to_fill (issue_id) SELECT id FROM issues;
