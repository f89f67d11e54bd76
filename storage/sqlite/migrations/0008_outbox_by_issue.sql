-- Undelivered messages of an issue: a newer reminder replaces an older one still waiting,
-- without reading the whole outbox.

CREATE INDEX outbox_waiting_by_issue ON outbox (issue_id, staff_id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
