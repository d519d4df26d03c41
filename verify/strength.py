"""How strong each claim's checks are: its own mutation score, from a stored `verify mutate` run.

`verify mutate` writes its records (default `mutation.json`); `verify all` reads the file named by
`--mutation` (default: `mutation.json` in the current folder, when present) and adds to each claim
record a `strength` summary: killed, survived, stillborn, equivalent (and true) mutants, the
score over the non-equivalent ones, each survivor with its reason, and `weak` when the checks
reject fewer than WEAK_BELOW of them. A record made from other claim text is still shown: the
report says which run it comes from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

WEAK_BELOW = 0.8


def claim_strength(record: dict) -> Optional[dict]:
    """The strength summary of one claim's mutation record (None when it has no mutants)."""
    ms = record.get("mutants") or []
    if not ms:
        return None
    killed = sum(m["verdict"] == "killed" for m in ms)
    survived = [m for m in ms if m["verdict"] == "survived"]
    excluded = [m for m in survived if m.get("equivalent") or m.get("true_mutant")]
    weak_ones = [m for m in survived if m not in excluded]
    counted = killed + len(weak_ones)
    score = killed / counted if counted else None
    return {"killed": killed, "survived": len(survived), "equivalent": len(excluded),
            "stillborn": sum(m["verdict"] == "stillborn" for m in ms),
            "score": None if score is None else round(score, 4),
            "weak": score is not None and score < WEAK_BELOW,
            "survivors": [{"description": m.get("description", ""), "reason": m.get("reason", ""),
                           "excluded": m in excluded} for m in survived]}


def load_strengths(path: Path) -> dict[str, dict]:
    """claim id -> strength summary, from a `verify mutate` records file ({} when absent)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for rec in data.get("claims", []) if isinstance(data, dict) else []:
        if isinstance(rec, dict) and isinstance(rec.get("id"), str):
            s = claim_strength(rec)
            if s is not None:
                out[rec["id"]] = s
    return out


def attach(results: dict, path: Optional[Path]) -> None:
    """Add `strength` to each claim record of results.json, and the run's source file."""
    if path is None or not path.is_file():
        return
    strengths = load_strengths(path)
    for c in results["claims"]:
        if c["id"] in strengths:
            c["strength"] = strengths[c["id"]]
    results["run"]["mutation"] = str(path)
