"""The error hierarchy. Every user-facing error says where and what to do, without a traceback."""

from __future__ import annotations

import contextlib
import contextvars
import difflib
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional


# Comparisons that did_you_mean may still make in the current scope (None: no bound). A file with
# thousands of unknown names among thousands of symbols would otherwise cost minutes of difflib.
_SUGGESTIONS_LEFT: contextvars.ContextVar[Optional[list[int]]] = contextvars.ContextVar(
    "suggestions_left", default=None)


@contextlib.contextmanager
def suggestion_budget(comparisons: int) -> Iterator[None]:
    """Within the block, did_you_mean compares at most `comparisons` candidates in all, then
    suggests nothing: the cost of messages stays linear in the input."""
    token = _SUGGESTIONS_LEFT.set([comparisons])
    try:
        yield
    finally:
        _SUGGESTIONS_LEFT.reset(token)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean ...?)' suffix, or '' when nothing is close (or the budget is spent)."""
    left = _SUGGESTIONS_LEFT.get()
    if left is not None and left[0] <= 0:
        return ""
    pool = set(choices)
    if left is not None:
        if left[0] < len(pool):
            left[0] = 0
            return ""
        left[0] -= len(pool)
    close = difflib.get_close_matches(str(word), sorted(pool), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


class VerifyError(Exception):
    """Root of verify's errors; `exit_code` is what the CLI returns for it."""

    exit_code = 1


@dataclass
class Problem:
    """One located problem in a claim file: file:line:col, what is wrong, how to fix it."""

    file: str
    line: int
    col: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{loc}: {self.message}" + (f"\n    hint: {self.hint}" if self.hint else "")

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "col": self.col,
                "message": self.message, "hint": self.hint}


class ClaimFileError(VerifyError):
    """A claim file is invalid. Fix the file at the given location; exit code 2."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class ExprError(VerifyError):
    """An expression is not in the claim language. Raised without a location;
    the loader adds file and line. `col` is the 1-based column inside the expression."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "", col: int = 0):
        self.message, self.hint, self.col = message, hint, col
        super().__init__(message + (f" ({hint})" if hint else ""))


class EvalError(VerifyError):
    """An expression could not be evaluated on an instance (shape mismatch, singular matrix)."""


class HypothesisError(EvalError):
    """A hypothesis could not be evaluated on an instance: an error of the claim, never a rejection."""

    def __init__(self, name: str, message: str, instance: dict):
        self.name, self.instance = name, instance
        super().__init__(f"hypothesis {name} could not be evaluated at this instance: {message}")


class LimitExceeded(VerifyError):
    """A bound on cost (digits, sizes, exponents, iterations) would be exceeded."""

    def __init__(self, what: str, value, limit, option: str = ""):
        how = f"; raise it with {option} if you mean it" if option else ""
        super().__init__(f"{what} is {value}, above the limit {limit}{how}")


class Undecided(Exception):
    """A numeric comparison fell inside the tolerance band: no verdict either way."""
