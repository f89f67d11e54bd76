"""The business rules of citizen casework: who may do what to an issue, and when.

Nothing in this package knows about Telegram or SQL. Handlers and storage depend on it,
never the other way round.
"""
