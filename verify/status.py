"""Status from evidence: the ladder, a claim's status from its checks, and 'as expected'."""

from __future__ import annotations

# The ladder, weakest to strongest: each status with the words the terminal shows for it, and the
# fill colour and icon the report draws it with (an icon, so that colour is not the only cue). A
# claim's status is computed, never declared. Every rung below "cited" fails a claim that should
# hold: nothing a check could not do is hidden by what another did.
_TABLE = (("refuted", "refuted", "#f28482", "\u2717"),
          ("error", "error", "#ff9f6e", "\u26a0"),
          ("timeout", "timed out", "#ffc285", "\u25d4"),
          ("vacuous", "vacuous (the hypotheses rejected every draw, or nothing was decided)", "#ffd6a5", "\u2205"),
          ("untested", "untested (no checks)", "#e9ecef", "\u25cb"),
          ("undecided", "undecided", "#ffe08a", "?"),
          ("cited", "cited, not verified", "#d7c6f0", "\u00a7"),
          ("statistical", "statistical", "#d8f0a8", "\u2248"),
          ("supported", "numerically supported", "#b7e4c7", "\u2713"),
          ("certified", "certified on instances (exact rationals or arb balls at the instances checked; "
                        "not a proof)", "#8ecae6", "\u25c6"),
          ("proved", "proved (SymPy, or z3 for all values)", "#74c69d", "\u220e"))
LADDER = tuple(row[0] for row in _TABLE)
LABELS = {status: label for status, label, _, _ in _TABLE}
HOLDING = {"proved", "certified", "supported", "statistical", "cited"}

# Icons of what the report marks that is not a status: a necessity case's outcome, a missing claim.
MARK_ICONS = {"needed": "\u2713", "looks-unneeded": "!", "missing": "\u2205"}


def status_table() -> list[dict]:
    """The ladder as results.json carries it (`statuses`), weakest first: each status with its
    label, fill colour and icon. The report draws the statuses from there."""
    return [{"status": s, "label": label, "fill": fill, "icon": icon} for s, label, fill, icon in _TABLE]


def _rung(outcome: str) -> str:
    """What a check outcome contributes: its own rung (an unknown outcome is an error)."""
    return outcome if outcome in LADDER and outcome != "untested" else "error"


def check_rung(check: dict) -> str:
    """A check's rung; an undecided check whose file says why that is acceptable (`undecided_ok`)
    does not weaken its claim, and the report shows the reason."""
    rung = _rung(check["outcome"])
    if rung == "undecided" and check.get("undecided_ok"):
        return "accepted"
    return rung


def claim_status(checks: list[dict]) -> str:
    """Refuted beats everything; then error, timeout, vacuous. Otherwise the claim is as strong
    as its weakest check (a symbolic proof of one identity does not make the claim proved); an
    undecided check makes the claim undecided, and a claim with no checks is untested."""
    rungs = [r for r in (check_rung(c) for c in checks) if r != "accepted"]
    if not rungs:
        return "undecided" if checks else "untested"
    return min(rungs, key=LADDER.index)


def strongest(checks: list[dict]) -> str | None:
    """The strongest rung any check reached (shown beside the status)."""
    rungs = [_rung(c["outcome"]) for c in checks]
    good = [r for r in rungs if LADDER.index(r) > LADDER.index("undecided")]
    return max(good, key=LADDER.index) if good else None


def as_expected(expect: str, status: str, necessity: list[dict]) -> bool:
    """True when the evidence agrees with the claim file's `expect` and necessity cases."""
    if expect == "fails":
        return status == "refuted"
    if status not in HOLDING:
        return False
    return all(n["outcome"] == "needed" for n in necessity)
