"""Status from evidence: the ladder, a claim's status from its checks, and 'as expected'."""

from __future__ import annotations

# Weakest to strongest. A claim's status is computed, never declared. Every rung below "cited"
# fails a claim that should hold: nothing a check could not do is hidden by what another did.
LADDER = ("refuted", "error", "timeout", "vacuous", "untested", "undecided", "cited", "statistical",
          "supported", "certified", "proved")

# What each check outcome contributes.
OUTCOME_RUNG = {"proved": "proved", "certified": "certified", "supported": "supported",
                "statistical": "statistical", "cited": "cited", "refuted": "refuted",
                "error": "error", "timeout": "timeout", "undecided": "undecided",
                "vacuous": "vacuous"}

HOLDING = {"proved", "certified", "supported", "statistical", "cited"}

LABELS = {"refuted": "refuted", "error": "error", "timeout": "timed out",
          "vacuous": "vacuous (the hypotheses rejected every draw, or nothing was decided)",
          "undecided": "undecided", "untested": "untested (no checks)", "cited": "cited, not verified",
          "statistical": "statistical", "supported": "numerically supported",
          "certified": "certified on instances (exact rationals or arb balls at the instances checked; not a proof)",
          "proved": "proved (SymPy, or z3 for all values)"}

# How the report draws each status: its fill colour, and an icon so that colour is not the only cue.
STYLES = {"refuted": ("#f28482", "\u2717"), "error": ("#ff9f6e", "\u26a0"), "timeout": ("#ffc285", "\u25d4"),
          "vacuous": ("#ffd6a5", "\u2205"), "untested": ("#e9ecef", "\u25cb"), "undecided": ("#ffe08a", "?"),
          "cited": ("#d7c6f0", "\u00a7"), "statistical": ("#d8f0a8", "\u2248"),
          "supported": ("#b7e4c7", "\u2713"), "certified": ("#8ecae6", "\u25c6"), "proved": ("#74c69d", "\u220e")}

# Icons of what the report marks that is not a status: a necessity case's outcome, a missing claim.
MARK_ICONS = {"needed": "\u2713", "looks-unneeded": "!", "missing": "\u2205"}


def status_table() -> list[dict]:
    """The ladder as results.json carries it (`statuses`), weakest first: each status with its
    label, fill colour and icon. The report draws the statuses from there."""
    return [{"status": s, "label": LABELS[s], "fill": STYLES[s][0], "icon": STYLES[s][1]} for s in LADDER]


def check_rung(check: dict) -> str:
    """A check's rung; an undecided check whose file says why that is acceptable (`undecided_ok`)
    does not weaken its claim, and the report shows the reason."""
    rung = OUTCOME_RUNG.get(check["outcome"], "error")
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
    rungs = [OUTCOME_RUNG.get(c["outcome"], "error") for c in checks]
    good = [r for r in rungs if LADDER.index(r) > LADDER.index("undecided")]
    return max(good, key=LADDER.index) if good else None


def as_expected(expect: str, status: str, necessity: list[dict]) -> bool:
    """True when the evidence agrees with the claim file's `expect` and necessity cases."""
    if expect == "fails":
        return status == "refuted"
    if status not in HOLDING:
        return False
    return all(n["outcome"] == "needed" for n in necessity)
