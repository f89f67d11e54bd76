-- The citizen's rates (issue 17, point 2): the call-back's three answers counted per department
-- and period. Whole days come from the daily figures (0009: a row per day, department and
-- measure; the answers add the measures contacted, not_contacted, solved, partly_solved and
-- not_solved, in the transaction of the call-back, as every other count); the pieces of days
-- at either end of a period from the timeline, through this index: the call-backs alone, with
-- their time, department and three answers (and kind, without which SQLite does not take it
-- as covering), so that counting them reads one range of it and never the table
-- (storage/sqlite/metrics.py _CALLBACKS repeats its condition word for word; EXPLAIN QUERY
-- PLAN: SEARCH issue_events USING COVERING INDEX issue_events_callback_answers).
--
-- Nothing to add up for the past: call-backs recorded before 0019 asked the verdict alone
-- (contacted and solved 'not_asked', which count in no rate, never as "no"), and their verdicts
-- are in the daily figures already. (Call-backs recorded between 0019 and this migration, in
-- the same release, would lack their first two answers' tallies; 0019 and 0021 ship together.)
CREATE INDEX issue_events_callback_answers
    ON issue_events (kind, at, department, verdict, contacted, solved)
    WHERE kind = 'callback';
