"""The numeric verdict of a relation on one exact instance, at two precisions that must agree.

Equality needs a residual below the band 10**-(dps - guard) relative to the size of the terms;
`<=` holds when the margin is above minus the band; a strict `<` needs a margin above the band,
and a margin inside the band is undecided. Both precisions must give the same answer, or the
instance is undecided (the mpmath documentation's `exp(pi*sqrt(163))` trap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from mpmath import mp

from verify.errors import EvalError, Undecided
from verify.expr import nodes as N
from verify.expr import numeric as num
from verify.instances import mp_env

GUARD_DIGITS = 10
DEFAULT_PRECISIONS = (50, 80)


@dataclass
class Verdict:
    holds: Optional[bool]        # None: undecided
    margin: Any = None           # relative margin at the highest precision (mpf); < 0 fails
    lhs: str = ""
    rhs: str = ""
    message: str = ""

    def margin_str(self) -> str:
        return "" if self.margin is None else mp.nstr(self.margin, 6)


def _pair_verdict(op: str, a, b, band) -> tuple[Optional[bool], Any]:
    """(holds, relative margin) of `a op b` at the current precision."""
    a, b = num._resolve(a, b)
    if num.is_mat(a) or num.is_mat(b):
        if num._shape(a) == (1, 1) and num._shape(b) == (1, 1):
            a, b = num.scalar(a), num.scalar(b)
        elif op in ("==", "!="):
            if num._shape(a) != num._shape(b):
                raise EvalError(f"comparing shapes {num._shape(a)} and {num._shape(b)}")
            res = mp.mnorm(a - b, "max")
            scale = max(1, mp.mnorm(a, "max"), mp.mnorm(b, "max"))
            rel = res / scale
            eq = rel <= band
            return (eq if op == "==" else (None if eq else True)), (band - rel if op == "==" else rel)
        else:
            raise EvalError(f"matrices cannot be compared with {op}; compare norms or eigenvalues")
    if mp.isinf(a) or mp.isinf(b):
        truth = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        return truth, (mp.inf if truth else -mp.inf)
    scale = max(1, abs(a), abs(b))
    if op in ("==", "!="):
        rel = abs(a - b) / scale
        if op == "==":
            return rel <= band, band - rel if rel > band else mp.mpf(0)
        return (None if rel <= band else True), rel
    rel = ((b - a) if op in ("<", "<=") else (a - b)) / scale
    if rel < -band:
        return False, rel
    if rel > band:
        return True, rel
    return (True if op in ("<=", ">=") else None), rel


def _at_precision(node: N.Compare, exact: dict, dps: int):
    with mp.workdps(dps):
        ctx = num.Ctx(mp_env(exact), GUARD_DIGITS)
        band = ctx.band
        vals = [num.evaluate(o, ctx) for o in node.operands]
        results = [_pair_verdict(op, a, b, band) for op, a, b in zip(node.ops, vals, vals[1:])]
        holds: Optional[bool] = True
        for h, _ in results:
            if h is False:
                holds = False
                break
            if h is None:
                holds = None
        margin = min((m for _, m in results), default=mp.mpf(0))
        fmt = lambda v: mp.nstr(v, 12) if not num.is_mat(v) else f"{v.rows}x{v.cols} matrix"
        return holds, +margin, fmt(vals[0]), fmt(vals[-1])


def relation_verdict(node: N.Node, exact: dict, precisions=DEFAULT_PRECISIONS) -> Verdict:
    """Check a comparison on an exact instance at every precision; they must agree."""
    if not isinstance(node, N.Compare):
        raise EvalError("a numeric check needs a relation (==, <=, <, ...)")
    seen = []
    for dps in precisions:
        try:
            seen.append(_at_precision(node, exact, dps))
        except Undecided as exc:
            return Verdict(None, message=f"undecided at {dps} digits: {exc}")
    holds = {h for h, *_ in seen}
    h, margin, lhs, rhs = seen[-1]
    if len(holds) > 1:
        return Verdict(None, margin, lhs, rhs,
                       "precisions disagree: " + ", ".join(f"{p} digits says {_word(s[0])}"
                                                           for p, s in zip(precisions, seen)))
    return Verdict(h, margin, lhs, rhs, "" if h is not None else "margin inside the tolerance band")


def _word(h: Optional[bool]) -> str:
    return {True: "holds", False: "fails", None: "undecided"}[h]
