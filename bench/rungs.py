"""Count the evidence ladder of a run: claims by status, checks by outcome and engine.

    python bench/rungs.py reports/results.json [other/results.json]   # two files: side by side
"""

from __future__ import annotations

import json
import sys
from collections import Counter

LADDER = ["proved", "certified", "supported", "statistical", "cited", "untested", "undecided",
          "timeout", "error", "refuted"]


def tally(path: str) -> tuple[Counter, Counter, Counter]:
    claims = json.load(open(path))["claims"]
    status = Counter(c["status"] for c in claims)
    checks = Counter(ch["outcome"] for c in claims for ch in c["checks"])
    engines = Counter((ch["outcome"], ch.get("engine") or "-") for c in claims for ch in c["checks"])
    return status, checks, engines


def main(paths: list[str]) -> None:
    runs = [tally(p) for p in paths]
    head = "".join(f"{p[-40:]:>42s}" for p in paths)
    for title, idx in (("claims by status", 0), ("checks by outcome", 1)):
        print(f"{title:28s}{head}")
        for rung in LADDER:
            if any(r[idx][rung] for r in runs):
                print(f"  {rung:26s}" + "".join(f"{r[idx][rung]:42d}" for r in runs))
        print(f"  {'total':26s}" + "".join(f"{sum(r[idx].values()):42d}" for r in runs))
    print(f"{'checks by outcome, engine':28s}{head}")
    keys = sorted({k for r in runs for k in r[2]}, key=lambda k: (LADDER.index(k[0]) if k[0] in LADDER else 99, k[1]))
    for key in keys:
        print(f"  {key[0] + ', ' + key[1]:26s}" + "".join(f"{r[2][key]:42d}" for r in runs))


if __name__ == "__main__":
    main(sys.argv[1:])
