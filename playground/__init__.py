"""The playground: the real bot against its built-in Telegram, and a page of phones to try it
and train on it without Telegram (issue 18)."""
