"""Mutation score per lecture note: claims grouped by `source.note`, non-equivalent score of each
group, for one or more `verify mutate` record files side by side.

    python bench/mutation_by_note.py bench/results/mutation-after.json bench/results/mutation-issue13.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def note_of() -> dict[str, str]:
    out = {}
    for p in sorted((ROOT / "claims").glob("*.yaml")):
        data = yaml.safe_load(p.read_text())
        out[data["id"]] = (data.get("source") or {}).get("note", "?")
    return out


def per_note(path: str, notes: dict[str, str]) -> dict[str, tuple[int, int]]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rec in json.loads(Path(path).read_text())["claims"]:
        for m in rec.get("mutants", []):
            if m["verdict"] == "stillborn" or m.get("equivalent") or m.get("true_mutant"):
                continue
            a = acc[notes.get(rec["id"], "?")]
            a[0] += m["verdict"] == "killed"
            a[1] += 1
    return dict(acc)


def main(paths: list[str]) -> None:
    notes = note_of()
    tables = [per_note(p, notes) for p in paths]
    print("| note | " + " | ".join(Path(p).name for p in paths) + " |")
    print("|---|" + "---|" * len(paths))
    for note in sorted(set().union(*tables)):
        cells = [f"{100 * t[note][0] / t[note][1]:.1f}% ({t[note][0]}/{t[note][1]})" if note in t else "-"
                 for t in tables]
        print(f"| {note} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
