"""Shrinking a counterexample, as Hypothesis does: fewer dimensions, simpler numbers."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Callable

from verify.instances import Exact, entrywise

MAX_ATTEMPTS = 80


def shrink(instance: dict[str, Exact], still_fails: Callable[[dict], bool],
           redraw: Callable[[random.Random, dict], dict | None], int_symbols: dict[str, int],
           rng: random.Random, derived: frozenset = frozenset()) -> tuple[dict[str, Exact], bool]:
    """Return a smaller failing instance (and whether it changed).

    `still_fails(inst)` re-checks hypotheses and conclusion; `redraw(rng, fixed)` draws a new
    instance with some symbols fixed (None when the draw fails); `int_symbols` maps each
    integer symbol to its least allowed value. `derived` symbols (a claim's `value:` relations)
    are never simplified themselves: they are recomputed from the others by `redraw`.
    """
    best, changed, attempts = dict(instance), False, 0
    # 1. smaller integers (dimensions first: they come first in draw order)
    for name in int_symbols:
        cur = best[name]
        for smaller in range(int_symbols[name], cur) if isinstance(cur, int) else ():
            found = False
            for _ in range(4):
                attempts += 1
                if attempts > MAX_ATTEMPTS:
                    return best, changed
                fixed = {k: v for k, v in best.items() if k in int_symbols and k != name}
                fixed[name] = smaller
                cand = redraw(rng, fixed)
                if cand is not None and still_fails(cand):
                    best, changed, found = cand, True, True
                    break
            if found:
                break
    # 2. simpler numbers
    for name in sorted(best):
        if name in int_symbols or name in derived:
            continue
        for denom in (1, 2, 10, 100, 1000, 10**6):
            simpler = entrywise(lambda x: x.limit_denominator(denom) if isinstance(x, Fraction) else x,
                                best[name])
            if simpler == best[name]:
                break
            cand = dict(best)
            cand[name] = simpler
            if derived:
                cand = redraw(rng, {k: v for k, v in cand.items() if k not in derived})
            attempts += 1
            if attempts > MAX_ATTEMPTS:
                return best, changed
            if cand is not None and still_fails(cand):
                best, changed = cand, True
                break
    return best, changed
