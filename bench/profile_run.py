"""Profile checking claims in one process (cProfile): where a cold run spends its time.

    python bench/profile_run.py [N]      # the first N claims of claims/ (default: all)
"""

import cProfile
import pstats
import sys
from pathlib import Path

from verify.check_claim import check_claim
from verify.pipeline import load_folder


def main():
    claims = sorted(load_folder(Path("claims")).claims.values(), key=lambda c: c.id)
    if len(sys.argv) > 1:
        claims = claims[: int(sys.argv[1])]
    prof = cProfile.Profile()
    prof.enable()
    for c in claims:
        check_claim(c)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
