"""Do the samplers cover the hypotheses? A lint that finds checks which can only pass because of
the sampler.

A claim states its domain twice: the declared range of each symbol (`real: [lo, hi]`,
`positive`) with the hypotheses (`assume`), and the sampler that draws instances. When the
sampler draws a scalar from a narrower interval than the hypotheses allow, no check ever sees
the rest of the domain, and a check that is false there still passes (a Neumann-series tail
bound sampled at ||A|| <= 0.95 under the hypothesis ||A|| < 1). For each sampled scalar with
constant bounds this module probes a few values between the sampler's interval and the declared
range, completes each into an instance, and reports the first one that satisfies every
hypothesis: a warning, since a narrower sampler can be a deliberate choice (then the symbol's
`narrow:` says why, and the lint counts it as justified).
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Optional

from verify.errors import EvalError, LimitExceeded, Problem, Undecided
from verify.expr import nodes as N
from verify.instances import draw, failed_hypotheses
from verify.model import Claim, SymbolSpec
from verify.samplers.registry import facts

DRAWS_PER_PROBE = 8
PROBE_DPS = 30


def sampler_gaps(claim: Claim) -> tuple[list[Problem], list[tuple[str, str]]]:
    """The scalars whose sampler misses values that the hypotheses allow: warnings for them, and
    (symbol, reason) for those whose `narrow:` says why the sampler is narrower (not warned about)."""
    found = _gaps(claim)
    return ([p for name, p in found if not claim.symbols[name].narrow],
            [(name, claim.symbols[name].narrow) for name, _ in found if claim.symbols[name].narrow])


def _gaps(claim: Claim) -> list[tuple[str, Problem]]:
    out = []
    bounded = set().union(*(N.names(h.node) for h in claim.assume)) if claim.assume else set()
    for name, spec in sorted(claim.symbols.items()):
        bounds = _bounds(spec)
        if bounds is None or (bounds[0][1] is None and name not in bounded):
            continue  # `positive` and no hypothesis on it: the sampler's interval is a choice of scale
        (lo, hi), (a, b) = bounds
        for v in _probes(lo, hi, a, b):
            if _admissible(claim, name, v):
                shown = f"[{_fmt(lo)}, {_fmt(hi)}]" if hi is not None else f"({_fmt(lo)}, oo)"
                out.append((name, Problem(claim.file, spec.line, 1,
                                   f"warning: {name} is sampled in [{_fmt(a)}, {_fmt(b)}], but the hypotheses "
                                   f"also allow {name} = {_fmt(v)} (declared {shown}): no check sees that part "
                                   "of the domain",
                                   "widen the sampler to what the hypotheses allow, or state the hypothesis the "
                                   "checks need (or say why the narrower sampler is deliberate with narrow: in the "
                                   "symbol's declaration)")))
                break
    return out


def _bounds(spec: SymbolSpec) -> Optional[tuple]:
    """((declared lo, hi), (sampler a, b)) for a real scalar whose sampler is narrower."""
    if spec.type != "real" or spec.shape is not None or spec.value is not None:
        return None
    if not facts(spec.sampler).bounded or not isinstance(spec.sampler_args, list):
        return None
    ab = [_const(x) for x in spec.sampler_args[:2]]
    if len(ab) != 2 or None in ab:
        return None
    if spec.range is not None:
        lohi = (_const(spec.range[0]), _const(spec.range[1]))
        if None in lohi:
            return None
    elif spec.positive:
        lohi = (Fraction(0), None)
    else:
        return None
    (lo, hi), (a, b) = lohi, ab
    if a <= lo and (hi is not None and b >= hi):
        return None
    return (lo, hi), (a, b)


def _probes(lo, hi, a, b) -> list:
    """Values outside [a, b] and inside the declared range: near the sampler's ends and beyond."""
    out = []
    if b is not None and (hi is None or b < hi):
        top = hi if hi is not None else max(2 * b, b + 1)
        out += [b + (top - b) / 100, (b + top) / 2, top if hi is not None else top]
    if a > lo:
        out += [a - (a - lo) / 100, (lo + a) / 2]
    return [v for v in out if v > lo or (v == lo and lo != 0)]


def _admissible(claim: Claim, name: str, value: Fraction) -> bool:
    rng = random.Random(f"coverage:{claim.id}:{name}:{value}")
    for i in range(DRAWS_PER_PROBE):
        try:
            inst = draw(claim, rng, i, None, {name: value})
            if not failed_hypotheses(claim.assume, inst, PROBE_DPS):
                return True
        except (EvalError, LimitExceeded, Undecided, ArithmeticError, ValueError, TypeError):
            continue
    return False


def _const(node) -> Optional[Fraction]:
    if isinstance(node, N.Num):
        return node.value
    if isinstance(node, N.Neg) and isinstance(node.operand, N.Num):
        return -node.operand.value
    if isinstance(node, N.BinOp) and node.op == "/" and isinstance(node.left, N.Num) and isinstance(node.right, N.Num):
        return node.left.value / node.right.value if node.right.value else None
    return None


def _fmt(x) -> str:
    if x is None:
        return "oo"
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    return str(x) if x.denominator <= 10**4 else f"{float(x):.6g}"
