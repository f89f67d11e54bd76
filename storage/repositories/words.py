"""The words index of /find (table issue_words, migration 0022): text cut into overlapping
two-character tokens, and the FTS5 queries that find any part of a phrase in it.

FTS5's own tokenizers do not fit Chinese: `unicode61` takes a whole run of Chinese characters
as one word, and `trigram` finds nothing shorter than three characters, while most Chinese
words are two (`路灯`, `井盖`). So the text is cut here, the way `casework.lookup.runs` reads
what was typed: each run of letters and digits into its overlapping pairs (`路灯不亮` →
`路灯 灯不 不亮`), a run of one character as itself, and a three-letter token between runs
(no query is ever cut into one) so that a phrase never spans two runs. Two characters are then
one token, and longer words a phrase of consecutive tokens: found exactly where the words are.

Beside the words, tokens of five or more letters say who may see the issue (see `scope`): its
reporter, its department, the departments assisting. They narrow a lookup inside the index
(FTS5 steps through the two lists together), so that a department's search for a word that
is common elsewhere does not read every issue that has it.
"""

from __future__ import annotations

from collections.abc import Iterable

from casework.issues import Issue
from casework.lookup import runs

_BETWEEN = "zzz"  # between runs: three letters, which no query token ever is


def reporter_token(staff_id: int) -> str:
    return f"rep{staff_id}x"


def department_token(code: str) -> str:
    return "dep" + code.encode().hex() + "x"


def assist_token(code: str) -> str:
    return "ast" + code.encode().hex() + "x"


def pairs(run: str) -> list[str]:
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def issue_words(issue: Issue) -> str:
    """What the index holds for an issue: its description's and address's pairs, and who may
    see it."""
    return words_of(
        issue.description, issue.address, issue.reporter_id, issue.department, issue.assisting
    )


def words_of(
    description: str,
    address: str | None,
    reporter_id: int,
    department: str,
    assisting: Iterable[str] = (),
) -> str:
    tokens: list[str] = []
    for text in (description, address or ""):
        for run in runs(text):
            if tokens:
                tokens.append(_BETWEEN)
            tokens += pairs(run)
    tokens += [reporter_token(reporter_id), department_token(department)]
    tokens += [assist_token(code) for code in sorted(assisting)]
    return " ".join(tokens)


def match(words: Iterable[str], scope: Iterable[str] = ()) -> str:
    """The FTS5 query: each of `words` (runs of two characters or more, as
    `casework.lookup.Lookup.words`) a phrase of its pairs, all of them; and one of the `scope`
    tokens, if any are given."""
    phrases = [f'"{" ".join(pairs(word))}"' for word in words]
    query = " AND ".join(phrases)
    tokens = list(scope)
    if tokens:
        query += " AND (" + " OR ".join(f'"{t}"' for t in tokens) + ")"
    return query
