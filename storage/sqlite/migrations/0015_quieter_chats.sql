-- A person's routine reminders due together go as one list (casework/services/delivery.py):
-- the sender finds those waiting for a chat without reading every reminder waiting.

CREATE INDEX outbox_waiting_by_chat ON outbox (chat_id, priority, due_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;

-- The command menu last set for a person's private chat (rendering/menus.py `menu_version`:
-- their role's commands, in their language); NULL: none, they see the default menu. A menu
-- is set when it differs from what the person should see, when they write: never hundreds at
-- once at every start.
ALTER TABLE staff ADD COLUMN menu TEXT;
