"""Integer powers of one matrix, reusing the powers already computed: one body for every engine.

`sum(A**k, k, 0, N)` asks for A**0, A**1, ..., A**N in turn: each is the previous one times A, one
product per term. Any other exponent is computed by square-and-multiply and not kept, so a value
depends only on its exponent and on which powers were asked for before (the same in every run).
"""

from __future__ import annotations

import bisect
from typing import Any, Callable

CONSECUTIVE = 4  # an exponent at most this far above a known one is reached by repeated products


class Powers:
    """base**n for one matrix `base` (`one` is base**0: the identity of its size)."""

    def __init__(self, base: Any, one: Any):
        self.base = base
        self.known = {0: one, 1: base}
        self.exponents = [0, 1]   # sorted keys of `known`

    def get(self, n: int, mul: Callable, spend: Callable[[], None] = lambda: None):
        """base**n (n >= 0), with `mul` the engine's matrix product; `spend()` before each product."""
        hit = self.known.get(n)
        if hit is not None:
            return hit
        m = self.exponents[bisect.bisect_right(self.exponents, n) - 1]  # the largest known below n
        if n - m <= CONSECUTIVE:
            result = self.known[m]
            for j in range(m + 1, n + 1):
                spend()
                result = self.known[j] = mul(result, self.base)
                bisect.insort(self.exponents, j)
            return result
        result, square = None, self.base
        while n:
            if n & 1:
                spend()
                result = square if result is None else mul(result, square)
            n >>= 1
            if n:
                spend()
                square = mul(square, square)
        return result
