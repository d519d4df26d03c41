"""Merge `verify mutate` record files: later files replace earlier ones claim by claim (a re-run of
the claims that changed since a whole-library run), then re-score.

    python bench/mutation_merge.py OUT.json FULL.json CHANGED.json [MORE.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verify.mutate import score  # noqa: E402


def merge(paths: list[str]) -> dict:
    claims: dict[str, dict] = {}
    sources: dict[str, str] = {}
    for path in paths:
        for rec in json.loads(Path(path).read_text())["claims"]:
            claims[rec["id"]] = rec
            sources[rec["id"]] = Path(path).name
    records = [claims[k] for k in sorted(claims)]
    summary = score(records)
    summary["merged_from"] = {name: sorted(k for k, v in sources.items() if v == name)
                              for name in dict.fromkeys(Path(p).name for p in paths)}
    return {"summary": summary, "claims": records}


if __name__ == "__main__":
    out, *ins = sys.argv[1:]
    merged = merge(ins)
    Path(out).write_text(json.dumps(merged, indent=1, default=str))
    s = merged["summary"]
    print(f"{s['killed']} killed of {s['killed'] + s['survived']} ({100 * s['score']:.1f}%); "
          f"non-equivalent {100 * s['score_nonequivalent']:.1f}% ({s['equivalent']} equivalent), "
          f"{s['claims']} claims")
