"""Compare two `verify mutate` record files claim by claim (the claims both contain).

    python bench/mutation_compare.py bench/results/mutation-before.json bench/results/mutation-after.json
"""

from __future__ import annotations

import json
import sys


def counts(claim: dict) -> tuple[int, int, int]:
    ms = claim.get("mutants", [])
    killed = sum(m["verdict"] == "killed" for m in ms)
    live = sum(m["verdict"] != "stillborn" for m in ms)
    equivalent = sum(bool(m.get("equivalent")) for m in ms)
    return killed, live, equivalent


def main(before_path: str, after_path: str) -> None:
    before = {c["id"]: c for c in json.load(open(before_path))["claims"]}
    after = {c["id"]: c for c in json.load(open(after_path))["claims"]}
    common = sorted(set(before) & set(after))
    totals = {"before": [0, 0, 0], "after": [0, 0, 0]}
    for cid in common:
        b, a = counts(before[cid]), counts(after[cid])
        for key, c in (("before", b), ("after", a)):
            totals[key] = [x + y for x, y in zip(totals[key], c)]
        if b[0] != a[0]:
            print(f"{cid:50s} killed {b[0]}/{b[1]} -> {a[0]}/{a[1]}")
    for key, (k, live, eq) in totals.items():
        print(f"{key:7s} {k} killed of {live} ({100 * k / max(live, 1):.1f}%); "
              f"non-equivalent {100 * k / max(live - eq, 1):.1f}% ({eq} equivalent) over {len(common)} claims")


if __name__ == "__main__":
    main(*sys.argv[1:3])
