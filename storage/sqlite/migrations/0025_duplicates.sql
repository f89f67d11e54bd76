-- Nearby, same problem (重复件; issue 19): at intake, the open issues of the same category
-- logged near the pin lately are offered; a report linked to one as a duplicate is a step of
-- its timeline (kind 'duplicate', no new column there) and the issue counts them.
ALTER TABLE issues ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;

-- Where the issue is, as a cell of a grid of 0.002° by 0.002° (casework/nearby.py geo_cell:
-- row * 1 000 000 + column, counted from 90°S and 180°W so that CAST truncates as floor).
-- The search reads the cells around the pin (for 200 m, at most 3 by 3 in southern China,
-- 3 rows by 4 at Beijing) of one category and since a moment: one short range of this index per cell; the
-- distance is then measured in Python. Issues without a pin are not in it.
ALTER TABLE issues ADD COLUMN geo_cell INTEGER;
UPDATE issues
   SET geo_cell = CAST((latitude + 90) / 0.002 AS INTEGER) * 1000000
                + CAST((longitude + 180) / 0.002 AS INTEGER) % 180000
 WHERE latitude IS NOT NULL AND longitude IS NOT NULL;
CREATE INDEX issues_nearby ON issues (category, geo_cell, created_at) WHERE geo_cell IS NOT NULL;

-- Who follows an issue besides its reporter: the reporter of each duplicate linked to it, who
-- hears when it is resolved and closed (casework/notifications.py, Audience.FOLLOWERS).
CREATE TABLE issue_followers (
    issue_id INTEGER NOT NULL REFERENCES issues (id),
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    since    INTEGER NOT NULL,
    PRIMARY KEY (issue_id, staff_id)
) STRICT, WITHOUT ROWID;
