"""A question the bot asked and is waiting for a typed answer to (a reason, a resolution), or
a call-back whose questions are being answered with taps (`casework.callbacks`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.callbacks import Answers, Question
from casework.commands import Action
from casework.issues import WithdrawReason

PROMPT_IDLE_LIMIT = timedelta(minutes=30)


@dataclass(frozen=True)
class Prompt:
    issue_id: int
    action: Action
    chat_id: int
    updated_at: datetime
    department: str | None = None  # where to transfer or re-route to
    withdraw_reason: WithdrawReason | None = None
    photos: tuple[str, ...] = ()  # sent before the text, with a resolution or a note
    answers: Answers | None = None  # a call-back's answers so far

    @property
    def awaits_words(self) -> bool:
        """Whether the person's next message answers it: not while a call-back's questions
        are being tapped (a message then answers nothing; the buttons do)."""
        return self.answers is None or self.answers.next is Question.WORDS

    def expired(self, now: datetime) -> bool:
        return now - self.updated_at >= PROMPT_IDLE_LIMIT
