-- A follower's own call-back (重复件回访; issue 19): the reporter of a duplicate linked to an
-- issue (or of one merged into it) calls back the citizen who reported it to them once the
-- issue is resolved, and records two answers, one tap each: is the problem solved, how
-- satisfied are they (or: could not reach them). Kept here between the taps; once recorded,
-- a step of the issue's timeline ('duplicate_callback', its answers in the columns a
-- call-back's take) that no rate counts: the problem counts once, by its own call-back.
ALTER TABLE issue_followers ADD COLUMN solved TEXT;
ALTER TABLE issue_followers ADD COLUMN called_back_at INTEGER;
