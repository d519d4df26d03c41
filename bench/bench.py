"""Benchmarks of `verify all`: cold -j1, cold -j2, warm, one edited claim, at several library sizes.

    python bench/bench.py                       # 1x and 10x the library, warm at 100x
    python bench/bench.py --sizes 1 --warm-sizes 1,10,100 --claims claims

A library of k x the size is made by copying every claim k times under new ids (uses rewritten to
the copies). Sizes in --warm-sizes are measured warm and edited only: their cache is seeded with
the first size's verdicts instead of checking k x the claims first. Each figure is one wall-clock run of the `verify` command in a subprocess (the machine
and its load matter: say what machine it ran on), with its CPU time (user + sys of the command and
all its processes) beside it, which load does not change. Prints a Markdown table; the cost per
claim should stay flat as the library grows.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_library(src: Path, dest: Path, copies: int) -> int:
    """Copy every claim `copies` times under new ids; return the number of files."""
    files = sorted(src.glob("*.yaml"))
    ids = [f.stem for f in files]
    dest.mkdir(parents=True)
    for c in range(copies):
        for f in files:
            text = f.read_text(encoding="utf-8")
            if c:
                for cid in sorted(ids, key=len, reverse=True):
                    text = re.sub(rf"\b{re.escape(cid)}\b", f"{cid}_c{c}", text)
            (dest / (f"{f.stem}_c{c}.yaml" if c else f.name)).write_text(text, encoding="utf-8")
    return len(files) * copies


CPU: dict[float, float] = {}  # wall-clock figure -> the CPU seconds (user + sys) of the same run


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], cwd: Path) -> float:
    """The wall-clock seconds of one run; its CPU seconds (the command and every process it
    started, forked workers and simplify children included) are kept in CPU."""
    start, cpu = time.perf_counter(), _children_cpu()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    CPU[elapsed] = _children_cpu() - cpu
    if out.returncode not in (0, 1, 2):
        sys.stderr.write(out.stdout[-2000:] + out.stderr[-2000:])
    return elapsed


def seed_cache(work: Path, records: dict[str, dict]) -> None:
    """Fill the cache of a k-times library with the 1x run's verdicts (copies get their
    original's record under the copy's key), so the warm path can be timed at 100x without
    checking 100x claims first."""
    from verify.cache import ResultCache, claim_keys
    from verify.graph import build_graph
    from verify.pipeline import load_folder
    loaded = load_folder(work / "claims")
    g, _, _ = build_graph(loaded.claims)
    keys = claim_keys(loaded.claims, g, (50, 80), None)
    cache = ResultCache(work / ".verify_cache")
    for cid, key in keys.items():
        original = re.sub(r"_c\d+$", "", cid)
        rec = dict(records[original], id=cid)
        cache.put(key, rec)


RECORD_KEYS = ("id", "status", "as_expected", "strongest", "seed", "checks", "necessity", "duration_s", "message")


def run_size(src: Path, copies: int, jobs: list[int], cold: bool, records=None) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"verify-bench-{copies}x-"))
    try:
        n = make_library(src, work / "claims", copies)
        base = [sys.executable, "-m", "verify.cli", "all", "--claims", "claims", "--out", "out"]
        row = {"copies": copies, "claims": n}
        if cold:
            for j in jobs:
                shutil.rmtree(work / ".verify_cache", ignore_errors=True)
                row[f"cold_j{j}"] = timed(base + ["--no-cache", "-j", str(j)], work)
            timed(base + ["-j", str(max(jobs))], work)  # fill the cache
            import json
            res = json.loads((work / "out" / "results.json").read_text())
            row["records"] = {c["id"]: {k: c.get(k) for k in RECORD_KEYS} for c in res["claims"]}
        else:
            seed_cache(work, records)
            timed(base + ["-j", str(max(jobs))], work)  # first run: schema passes, LaTeX conversions
        row["warm"] = timed(base + ["-j", str(max(jobs))], work)
        leaf = work / "claims" / "neumann_series_limit.yaml"
        if leaf.exists():  # a lemma that others use: it alone is checked again (its own file is its key)
            leaf.write_text(leaf.read_text().replace("title: ", "title: (edited) ", 1))
            row["edited"] = timed(base + ["-j", str(max(jobs))], work)
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


def hostile_folder(n: int = 300) -> float:
    """Time `verify all` on a folder of n invalid files."""
    work = Path(tempfile.mkdtemp(prefix="verify-bench-hostile-"))
    try:
        (work / "claims").mkdir()
        for i in range(n):
            (work / "claims" / f"bad{i}.yaml").write_text(
                f"id: bad{i}\nkind: lemma\ntitle: t\nstatement: s\nsource: {{note: n, section: s, quote: q}}\n"
                f"expect: holds\nsymbols:\n  x: {{real: [0, 1]}}\nchecks:\n"
                f"  - numeric: \"__import__('os').system('echo {i}')\"\n")
        return timed([sys.executable, "-m", "verify.cli", "all", "--claims", "claims", "--out", "out",
                      "--no-cache"], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", default="claims")
    ap.add_argument("--sizes", default="1,10", help="library multipliers with cold runs")
    ap.add_argument("--warm-sizes", default="100", help="multipliers measured warm only")
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--records", help="seed warm-only sizes from this results.json instead of a cold run")
    args = ap.parse_args()
    src = Path(args.claims).resolve()
    jobs = [int(j) for j in args.jobs.split(",")]
    rows = [run_size(src, int(k), jobs, cold=True) for k in args.sizes.split(",") if k]
    print("cold runs done:", [{k: v for k, v in r.items() if k != "records"} for r in rows], flush=True)
    if args.records:
        import json
        res = json.loads(Path(args.records).read_text())
        records = {c["id"]: {k: c.get(k) for k in RECORD_KEYS} for c in res["claims"]}
    else:
        records = rows[0]["records"]
    rows += [run_size(src, int(k), jobs, cold=False, records=records) for k in args.warm_sizes.split(",") if k]
    cols = [f"cold_j{j}" for j in jobs] + ["warm", "edited"]
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}\n")
    print("| size | claims | " + " | ".join(f"{c} (s)" for c in cols) + " | " +
          " | ".join(f"{c} per claim (ms)" for c in cols) + " | speedup j1/j2 |")
    print("|" + "---|" * (2 + 2 * len(cols) + 1))
    for r in rows:
        vals = [f"{r[c]:.2f} (CPU {CPU[r[c]]:.2f})" if c in r else "-" for c in cols]
        per = [f"{1000 * r[c] / r['claims']:.1f} (CPU {1000 * CPU[r[c]] / r['claims']:.1f})" if c in r else "-"
               for c in cols]
        sp = f"{r['cold_j1'] / r['cold_j2']:.2f}x" if "cold_j1" in r and "cold_j2" in r else "-"
        print(f"| {r['copies']}x | {r['claims']} | " + " | ".join(vals) + " | " + " | ".join(per) + f" | {sp} |")
    print(f"\nhostile folder, 300 invalid files: {hostile_folder():.2f} s")


if __name__ == "__main__":
    main()
