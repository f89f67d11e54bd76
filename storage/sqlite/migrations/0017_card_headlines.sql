-- What a message said above an issue's card (a notice's or a reminder's first line), as its
-- reader read it: when a newer card of the issue comes to the chat, the older one gives way to
-- a one-line stub, and keeps this line above it (casework/services/delivery.py). Dropped when
-- the citizen's data is removed (it may quote a reason that named them).
ALTER TABLE cards ADD COLUMN headline TEXT;
