-- An update marked handled leaves the updates waiting to be handled, by this trigger, so that
-- the mark, written into the step's own transaction, is one statement (one trip to the
-- database thread) rather than two (issue 22). BEFORE, so that it also fires for an update
-- marked before (the insert then does nothing).
CREATE TRIGGER processed_updates_leave_incoming BEFORE INSERT ON processed_updates
BEGIN
    DELETE FROM incoming_updates WHERE update_id = NEW.update_id;
END;
