"""Compare two results.json files with the timing fields removed: every claim's status and
`as_expected` must be identical (exit 1 otherwise); other differences are listed for reading.

    python bench/compare_results.py OLD/results.json NEW/results.json [--strict]

`--strict` also fails on any other difference of the records (each check's outcome and rung
included), apart from timings, the run's own fields and the report's run-specific paths.
"""

from __future__ import annotations

import json
import re
import sys

TIMING_KEYS = {"duration_s", "timings", "started", "command", "out", "cached"}


def strip(o):
    """The record without timing fields (anywhere in it); a replay command names its claim file by
    its absolute path, which depends on the checkout: only the file name is kept."""
    if isinstance(o, dict):
        return {k: (_replay(v) if k == "replay" else strip(v)) for k, v in o.items() if k not in TIMING_KEYS}
    if isinstance(o, list):
        return [strip(x) for x in o]
    return o


def _replay(cmd):
    if not isinstance(cmd, str):
        return strip(cmd)
    return re.sub(r"(?<=verify check )\S*/(?=[^/\s]+\.ya?ml)", "", cmd)


def claims(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    recs = data["claims"] if isinstance(data, dict) else data
    if isinstance(recs, dict):
        recs = list(recs.values())
    return {r["id"]: strip(r) for r in recs}


def diff(a, b, path="") -> list[str]:
    """Paths where two stripped records differ."""
    if type(a) is not type(b):
        return [f"{path}: {a!r:.120} -> {b!r:.120}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: {'missing' if k not in a else repr(a[k])[:120]} -> "
                           f"{'missing' if k not in b else repr(b[k])[:120]}")
            else:
                out.extend(diff(a[k], b[k], f"{path}.{k}"))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items -> {len(b)} items"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(diff(x, y, f"{path}[{i}]"))
        return out
    return [] if a == b else [f"{path}: {a!r:.120} -> {b!r:.120}"]


def verdicts(rec: dict) -> tuple:
    """What must not change: the claim's status and as_expected, each check's outcome and rung,
    each necessity case's outcome."""
    return (rec.get("status"), rec.get("as_expected"),
            tuple((c.get("kind"), c.get("outcome"), c.get("rung")) for c in rec.get("checks", [])),
            tuple(n.get("outcome", n.get("status")) for n in rec.get("necessity", [])))


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    strict = "--strict" in args
    args = [a for a in args if a != "--strict"]
    if len(args) != 2:
        print(__doc__)
        return 2
    old, new = claims(args[0]), claims(args[1])
    bad = 0
    for cid in sorted(set(old) | set(new)):
        if cid not in old or cid not in new:
            print(f"{cid}: only in {'new' if cid not in old else 'old'}")
            bad += 1
            continue
        a, b = old[cid], new[cid]
        if (a.get("status"), a.get("as_expected")) != (b.get("status"), b.get("as_expected")):
            print(f"{cid}: status {a.get('status')}/{a.get('as_expected')} -> {b.get('status')}/{b.get('as_expected')}")
            bad += 1
        elif verdicts(a) != verdicts(b):
            print(f"{cid}: a check's outcome changed: {verdicts(a)} -> {verdicts(b)}")
            bad += 1
        rest = diff(a, b)
        if rest:
            print(f"{cid}: {len(rest)} other difference(s)" + ("" if strict else " (not a verdict)"))
            for line in rest[:8]:
                print(f"    {line}")
            bad += strict
    same = sum(1 for c in old if c in new and (old[c].get("status"), old[c].get("as_expected")) ==
               (new[c].get("status"), new[c].get("as_expected")))
    print(f"{same} of {len(old)} claims: status and as_expected identical"
          + ("" if not bad else f"; {bad} problem(s)"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
