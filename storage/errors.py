"""What can go wrong when the store is named, opened or copied: one type, `StorageError`, for
whoever starts the bot to catch. Each message is one line for the operator (English, never a
password a database URL may hold)."""

from __future__ import annotations


class StorageError(Exception):
    """The store cannot be opened, or copied, as asked; the message says why."""


class UnknownStore(StorageError):
    """The database URL names no store this release can open."""


class CannotOpen(StorageError):
    """The database is there (or should be) but cannot be opened: no permission, a folder that
    cannot be made, a file that is not a database."""


class DatabaseInUse(StorageError):
    """Another bot process is running on this database."""


class MigrationError(StorageError):
    """The database cannot be brought to this code's schema."""


class BackupError(StorageError):
    """The copy could not be made, or did not pass its integrity check."""
