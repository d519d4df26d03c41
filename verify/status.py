"""Status from evidence: the ladder, a claim's status from its checks, and 'as expected'."""

from __future__ import annotations

# Weakest to strongest. A claim's status is computed, never declared.
LADDER = ("refuted", "error", "timeout", "undecided", "untested", "cited", "statistical",
          "supported", "certified", "proved")

# What each check outcome contributes.
OUTCOME_RUNG = {"proved": "proved", "certified": "certified", "supported": "supported",
                "statistical": "statistical", "cited": "cited", "refuted": "refuted",
                "error": "error", "timeout": "timeout", "undecided": "undecided",
                "vacuous": "undecided"}

HOLDING = {"proved", "certified", "supported", "statistical", "cited", "untested"}

LABELS = {"refuted": "refuted", "error": "error", "timeout": "timed out", "undecided": "undecided",
          "untested": "untested", "cited": "cited, not verified", "statistical": "statistical",
          "supported": "numerically supported",
          "certified": "certified on instances (exact rationals or arb balls)",
          "proved": "proved (SymPy, or z3 for all values)"}


def claim_status(checks: list[dict]) -> str:
    """Refuted beats everything; then error, timeout. Otherwise the claim is as strong as its
    weakest decided check (a symbolic proof of one identity does not make the claim proved);
    undecided checks count only when nothing was decided."""
    rungs = [OUTCOME_RUNG.get(c["outcome"], "error") for c in checks]
    for bad in ("refuted", "error", "timeout"):
        if bad in rungs:
            return bad
    decided = [r for r in rungs if r != "undecided"]
    if decided:
        return min(decided, key=LADDER.index)
    return "undecided" if rungs else "untested"


def strongest(checks: list[dict]) -> str | None:
    """The strongest rung any check reached (shown beside the status)."""
    rungs = [OUTCOME_RUNG.get(c["outcome"], "error") for c in checks]
    good = [r for r in rungs if LADDER.index(r) > LADDER.index("untested")]
    return max(good, key=LADDER.index) if good else None


def as_expected(expect: str, status: str, necessity: list[dict]) -> bool:
    """True when the evidence agrees with the claim file's `expect` and necessity cases."""
    if expect == "fails":
        return status == "refuted"
    if status not in HOLDING:
        return False
    return all(n["outcome"] == "needed" for n in necessity)
