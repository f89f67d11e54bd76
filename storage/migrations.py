"""What both engines' migration runners share: which recorded migrations still need applying."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, TypeVar

from storage.errors import MigrationError


class Numbered(Protocol):
    @property
    def version(self) -> int: ...


M = TypeVar("M", bound=Numbered)


def pending(migrations: Sequence[M], done: Collection[int]) -> list[M]:
    """The migrations not applied yet, in order; refused if the database is newer than this
    code (a newer release ran on it)."""
    newest_known = max((m.version for m in migrations), default=0)
    if done and max(done) > newest_known:
        raise MigrationError(
            f"the database is at schema version {max(done)}, newer than this code "
            f"({newest_known}); run the newer release or restore a backup"
        )
    return [m for m in migrations if m.version not in done]
