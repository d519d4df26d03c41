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
from verify.expr.numeric import maxabs
from verify.instances import mp_env

GUARD_DIGITS = 10
DEFAULT_PRECISIONS = (50, 80)


@dataclass
class Verdict:
    holds: Optional[bool]        # None: undecided
    margin: Any = None           # inequalities: relative margin at the highest precision; < 0 fails
    lhs: str = ""
    rhs: str = ""
    residual: Any = None         # equalities: the relative residual |lhs - rhs| / scale
    message: str = ""

    def margin_str(self) -> str:
        return "" if self.margin is None else mp.nstr(self.margin, 6)

    def residual_str(self) -> str:
        return "" if self.residual is None else mp.nstr(self.residual, 3)

    def describe(self) -> str:
        """'margin -0.3' for inequalities, 'residual 2e-3' for equalities."""
        parts = []
        if self.margin is not None:
            parts.append(f"margin {self.margin_str()}")
        if self.residual is not None:
            parts.append(f"residual {self.residual_str()}")
        return ", ".join(parts)


class Worst:
    """The smallest margin and the largest residual seen over instances."""

    def __init__(self):
        self.margin = self.residual = None

    def update(self, v: Verdict) -> None:
        if v.margin is not None and (self.margin is None or v.margin < self.margin):
            self.margin = v.margin
        if v.residual is not None and (self.residual is None or v.residual > self.residual):
            self.residual = v.residual

    def evidence(self) -> dict:
        out = {}
        if self.margin is not None:
            out["worst_margin"] = mp.nstr(self.margin, 6)
        if self.residual is not None:
            out["worst_residual"] = mp.nstr(self.residual, 3)
        return out


def _pair_verdict(op: str, a, b, band, floor=1) -> tuple[Optional[bool], Any]:
    """(holds, relative margin) of `a op b` at the current precision. Margins are relative to
    max(floor, |a|, |b|): `floor` is 1, or the largest intermediate magnitude when a failure is
    being confirmed (the cancellation-aware band)."""
    a, b = num._resolve(a, b)
    if num.is_mat(a) or num.is_mat(b):
        if num._shape(a) == (1, 1) and num._shape(b) == (1, 1):
            a, b = num.scalar(a), num.scalar(b)
        elif op in ("==", "!="):
            if num._shape(a) != num._shape(b):
                raise EvalError(f"comparing shapes {num._shape(a)} and {num._shape(b)}")
            res = maxabs(a - b)
            scale = max(floor, maxabs(a), maxabs(b))
            rel = res / scale
            eq = rel <= band
            return (eq if op == "==" else (None if eq else True)), -rel
        else:
            raise EvalError(f"matrices cannot be compared with {op}; compare norms or eigenvalues")
    if mp.isinf(a) or mp.isinf(b):
        truth = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        return truth, (mp.inf if truth else -mp.inf)
    if mp.isnan(a) or mp.isnan(b):
        raise EvalError("undefined at this instance: a side is not a number (as oo - oo)")
    scale = max(floor, abs(a), abs(b))
    if a == b:  # exactly equal at this precision (exact inputs): decided, not a band case
        return {"==": True, "!=": False, "<": False, ">": False, "<=": True, ">=": True}[op], mp.mpf(0)
    if op in ("==", "!="):
        rel = abs(a - b) / scale
        if op == "==":
            return rel <= band, -rel
        return (None if rel <= band else True), rel
    rel = ((b - a) if op in ("<", "<=") else (a - b)) / scale
    if rel < -band:
        return False, rel
    if rel > band:
        return True, rel
    return (True if op in ("<=", ">=") else None), rel


def _at_precision(node: N.Compare, exact: dict, dps: int, tracked: bool = False):
    """(holds, margin, residual, lhs, rhs) at `dps` digits. `tracked`: margins relative to the
    largest magnitude computed on the way (see `_pair_verdict`)."""
    num.clear_caches()
    with mp.workdps(dps):
        ctx = num.Ctx(mp_env(exact, node), GUARD_DIGITS, peak=[mp.mpf(1)] if tracked else None)
        band = ctx.band
        vals = [num.evaluate(o, ctx) for o in node.operands]
        floor = ctx.peak[0] if tracked else 1
        results = [_pair_verdict(op, a, b, band, floor) for op, a, b in zip(node.ops, vals, vals[1:])]
        holds: Optional[bool] = True
        for h, _ in results:
            if h is False:
                holds = False
                break
            if h is None:
                holds = None
        eqs = [-m for (_, m), op in zip(results, node.ops) if op == "=="]
        ineqs = [m for (_, m), op in zip(results, node.ops) if op != "=="]
        margin = min(ineqs) if ineqs else None
        residual = max(eqs) if eqs else None
        return holds, margin, residual, _fmt(vals[0]), _fmt(vals[-1])


def scale_free_margin(node: N.Node, exact: dict, dps: int):
    """The search's objective: min over the links of a relation of the slack as a fraction of the
    sides' size, (b - a) / (|a| + |b|) for `a <= b` (in [-1, 1]; below 0 fails). Unlike the
    verdict's margin it does not reward shrinking every value towards zero. None for equalities."""
    if isinstance(node, N.Logic) and is_relation(node):
        parts = [scale_free_margin(o, exact, dps) for o in node.operands]
        parts = [p for p in parts if p is not None]
        return min(parts) if parts else None
    if not isinstance(node, N.Compare):
        return None
    num.clear_caches()
    with mp.workdps(dps):
        ctx = num.Ctx(mp_env(exact, node), GUARD_DIGITS)
        vals = [num.evaluate(o, ctx) for o in node.operands]
        out = None
        for op, a, b in zip(node.ops, vals, vals[1:]):
            if op not in ("<", "<=", ">", ">="):
                continue
            a, b = num.scalar(a), num.scalar(b)
            if mp.isinf(a) or mp.isinf(b):
                return None
            size = abs(a) + abs(b)
            slack = (b - a) if op in ("<", "<=") else (a - b)
            m = slack / size if size else mp.mpf(0)
            out = m if out is None or m < out else out
        return out


def _fmt(v) -> str:
    """A side of a relation as text: a number, or a small matrix's entries (row by row)."""
    if not num.is_mat(v):
        return mp.nstr(v, 12)
    if v.rows * v.cols > 16:
        return f"{v.rows}x{v.cols} matrix (max |entry| {mp.nstr(maxabs(v), 6)})"
    return "[" + ", ".join("[" + ", ".join(mp.nstr(v[i, j], 8) for j in range(v.cols)) + "]"
                           for i in range(v.rows)) + "]"


def is_relation(node: N.Node) -> bool:
    """A comparison chain, or an `and` of relations."""
    if isinstance(node, N.Compare):
        return True
    return isinstance(node, N.Logic) and node.op == "and" and all(is_relation(o) for o in node.operands)


def relation_verdict(node: N.Node, exact: dict, precisions=DEFAULT_PRECISIONS) -> Verdict:
    """Check a relation on an exact instance at every precision; they must agree."""
    if isinstance(node, N.Logic) and is_relation(node):
        parts = [relation_verdict(o, exact, precisions) for o in node.operands]
        bad = next((p for p in parts if p.holds is False), None)
        if bad is not None:
            return bad
        und = next((p for p in parts if p.holds is None), None)
        if und is not None:
            return und
        margins = [p.margin for p in parts if p.margin is not None]
        residuals = [p.residual for p in parts if p.residual is not None]
        return Verdict(True, min(margins) if margins else None, parts[0].lhs, parts[-1].rhs,
                       max(residuals) if residuals else None)
    if not isinstance(node, N.Compare):
        raise EvalError("a numeric check needs a relation (==, <=, <, ...)")
    seen = []
    for dps in precisions:
        try:
            seen.append(_at_precision(node, exact, dps))
        except Undecided as exc:
            return Verdict(None, message=f"undecided at {dps} digits: {exc}")
    holds = {h for h, *_ in seen}
    h, margin, residual, lhs, rhs = seen[-1]
    if len(holds) > 1:
        return Verdict(None, margin, lhs, rhs, residual,
                       "precisions disagree: " + ", ".join(f"{p} digits says {_word(s[0])}"
                                                           for p, s in zip(precisions, seen)))
    return Verdict(h, margin, lhs, rhs, residual, "" if h is not None else "margin inside the tolerance band")


def _word(h: Optional[bool]) -> str:
    return {True: "holds", False: "fails", None: "undecided"}[h]
