"""The call-back's questions, one tap each, asked in order: did the department contact the
citizen, is the problem solved, how satisfied are they; then their words, optional.

The answers so far are kept in the person's prompt (`casework.prompts.Prompt`), in the
database, until the last one takes the step (`casework.commands.RecordCallback`). Each tap is
checked against them here: it must answer the question being asked (or repeat the answer just
given, as a double tap does); anything else is a stale or forged button and changes nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from casework import errors
from casework.issues import Contact, Solved, Verdict


class Question(StrEnum):
    CONTACTED = "contacted"  # did the department contact you? (or: could not reach)
    SOLVED = "solved"  # is the problem solved?
    SATISFIED = "satisfied"  # how satisfied are you?
    WORDS = "words"  # anything to say? (typed, or Skip)


class Skip(StrEnum):
    """The citizen had nothing to add: the last question's Skip."""

    WORDS = "skip"


# What a tap may answer, besides "could not reach" (`Verdict.UNREACHABLE`, at the first).
CallbackAnswer = Contact | Solved | Verdict | Skip
_ASKED_CONTACT = (Contact.YES, Contact.NO)
_ASKED_SOLVED = (Solved.SOLVED, Solved.PARTLY, Solved.NOT_SOLVED)
_ASKED_VERDICT = (Verdict.SATISFIED, Verdict.BASICALLY_SATISFIED, Verdict.DISSATISFIED)


@dataclass(frozen=True)
class Answers:
    """The call-back's answers so far."""

    contacted: Contact | None = None
    solved: Solved | None = None
    satisfied: Verdict | None = None

    @property
    def next(self) -> Question:
        """The question being asked now."""
        if self.contacted is None:
            return Question.CONTACTED
        if self.solved is None:
            return Question.SOLVED
        if self.satisfied is None:
            return Question.SATISFIED
        return Question.WORDS

    def given(self, answer: CallbackAnswer) -> Answers:
        """The answers with this tap's. A tap answers the question asked now; the same answer
        again to the question before it (a double tap, arriving once the next question shows)
        changes nothing; any other tap (an old keyboard, made-up data) is refused. "Could not
        reach" and Skip end the call-back: the use case takes the step, not this."""
        asked = self.next
        match answer:
            case Contact() if answer in _ASKED_CONTACT:
                if asked is Question.CONTACTED:
                    return dataclasses.replace(self, contacted=answer)
                if asked is Question.SOLVED and self.contacted is answer:
                    return self
            case Solved() if answer in _ASKED_SOLVED:
                if asked is Question.SOLVED:
                    return dataclasses.replace(self, solved=answer)
                if asked is Question.SATISFIED and self.solved is answer:
                    return self
            case Verdict() if answer in _ASKED_VERDICT:
                if asked is Question.SATISFIED:
                    return dataclasses.replace(self, satisfied=answer)
                if asked is Question.WORDS and self.satisfied is answer:
                    return self
        raise errors.StaleStep()

    def to_dict(self) -> dict[str, str | None]:
        return {
            "contacted": self.contacted.value if self.contacted else None,
            "solved": self.solved.value if self.solved else None,
            "satisfied": self.satisfied.value if self.satisfied else None,
        }

    @staticmethod
    def from_dict(data: dict[str, str | None]) -> Answers:
        contacted, solved, satisfied = (
            data.get("contacted"),
            data.get("solved"),
            data.get("satisfied"),
        )
        return Answers(
            Contact(contacted) if contacted else None,
            Solved(solved) if solved else None,
            Verdict(satisfied) if satisfied else None,
        )
