-- Daily figures per department: the counts the rates are made of, kept up to date in the same
-- transaction as each step, so a year's /stats adds up a few thousand rows instead of counting
-- millions of timeline entries. Keyed by the local day each count belongs to (a deadline's day
-- for the counts of deadlines).

ALTER TABLE issues ADD COLUMN accepted_at INTEGER;
ALTER TABLE issues ADD COLUMN closures INTEGER NOT NULL DEFAULT 0;

CREATE TABLE daily_figures (
    day        TEXT NOT NULL,  -- YYYY-MM-DD, local
    department TEXT NOT NULL,
    measure    TEXT NOT NULL,  -- a field of casework.metrics.DepartmentCounts, or closed_by:<id>
    value      INTEGER NOT NULL,
    PRIMARY KEY (day, department, measure)
) STRICT, WITHOUT ROWID;
