-- Deadlines in working days (工作日; issue 20). A deadline is still computed once and stored
-- as a moment (respond_by, resolve_by); beside it, how many working days it was given (NULL:
-- calendar time), so that reminders count working time and people are told the working days
-- left. A change of the calendar or of the file later moves no deadline already set.
ALTER TABLE issues ADD COLUMN respond_workdays INTEGER;
ALTER TABLE issues ADD COLUMN resolve_workdays INTEGER;

-- A category's times in working days (`5wd`), kept for the categories the file no longer lists
-- (their times still apply to the issues that have them); the *_s columns then hold the days as
-- calendar days, and nothing reads them.
ALTER TABLE categories ADD COLUMN respond_within_wd INTEGER;
ALTER TABLE categories ADD COLUMN resolve_within_wd INTEGER;
ALTER TABLE categories ADD COLUMN urgent_respond_within_wd INTEGER;
ALTER TABLE categories ADD COLUMN urgent_resolve_within_wd INTEGER;
