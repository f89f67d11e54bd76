-- A person's routine reminders due together go as one list (casework/services/delivery.py):
-- the sender finds those waiting for a chat without reading every reminder waiting.

CREATE INDEX outbox_waiting_by_chat ON outbox (chat_id, priority, due_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
