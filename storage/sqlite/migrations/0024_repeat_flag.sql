-- The repeat flag (督办; issue 19, point 3): an issue reported `[intake] repeat_flag` times is
-- flagged to the coordinators with its card, once. When it was (epoch seconds; NULL: never),
-- kept on the issue so that no later report, and no restart, flags it again, and so that its
-- card says so. The flag is also a step of the timeline (kind 'flagged', no new column there).
ALTER TABLE issues ADD COLUMN flagged_at INTEGER;
