"""Profile checking claims in one process (cProfile): where a cold run spends its time.

    python bench/profile_run.py [N | ID...] [--top K] [--out FILE.prof] [--claims DIR]

N: the first N claims of claims/ (default: all); or claim ids. Prints the top K functions by own
time and by cumulative time, and the CPU time of each claim (forked simplify children included),
slowest first. `--cpu-only` runs without the profiler and prints every claim's CPU time (the
figure to compare two versions by: load changes it little); `--json FILE` keeps them. `--out` keeps the raw statistics (`python -m pstats FILE.prof`). The profiler's
clock is this process's CPU time, so a loaded machine does not inflate the figures (the forked
`simplify` children's CPU is in the per-claim figures, not in the function table).
"""

import argparse
import cProfile
import json
import pstats
import resource
import time
from pathlib import Path

from verify.check_claim import check_claim
from verify.pipeline import load_folder


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="*")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--out")
    ap.add_argument("--claims", default="claims")
    ap.add_argument("--cpu-only", action="store_true", help="no profiler: CPU seconds per claim")
    ap.add_argument("--json", help="write {claim id: CPU seconds} here")
    args = ap.parse_args()
    lib = load_folder(Path(args.claims)).claims
    claims = sorted(lib.values(), key=lambda c: c.id)
    if len(args.which) == 1 and args.which[0].isdigit():
        claims = claims[: int(args.which[0])]
    elif args.which:
        claims = [lib[i] for i in args.which]
    prof = cProfile.Profile(time.process_time)
    per_claim = []
    for c in claims:
        t0 = _cpu()
        if not args.cpu_only:
            prof.enable()
        check_claim(c)
        prof.disable()
        per_claim.append((_cpu() - t0, c.id))
    total = sum(t for t, _ in per_claim)
    if args.json:
        Path(args.json).write_text(json.dumps({cid: round(t, 3) for t, cid in per_claim}, indent=1))
    if args.cpu_only:
        print(f"CPU per claim (total {total:.1f} s):")
        for t, cid in sorted(per_claim, reverse=True):
            print(f"  {t:8.2f} s  {100 * t / total:5.1f}%  {cid}")
        return
    if args.out:
        prof.dump_stats(args.out)
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    print(f"CPU per claim under the profiler (total {total:.1f} s):")
    for t, cid in sorted(per_claim, reverse=True)[: args.top]:
        print(f"  {t:8.2f} s  {100 * t / total:5.1f}%  {cid}")


if __name__ == "__main__":
    main()
