"""The four roles of the people who use the bot."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    WORKER = "worker"  # community, service-window and hotline staff: log issues
    MEMBER = "member"  # department staff who handle issues
    HEAD = "head"  # department head: accepts, returns, assigns
    COORDINATOR = "coordinator"  # the coordination office: sees and steers everything

    @property
    def needs_department(self) -> bool:
        return self in (Role.MEMBER, Role.HEAD)
