"""Search, not only sampling: push an inequality towards failure from its tightest instances.

Random instances miss thin failure regions: a bound that breaks only at the edge of a
hypothesis, near one point, or for one sign. After the random phase, a seeded local search
minimises the relation's margin (its relative slack; below zero it fails):

1. **boundary pushes**: each freely sampled symbol of the tightest instances is scaled towards
   and away from zero, by bisection, up to the edge of what the hypotheses and the sampler's
   range allow (the largest step size allowed, a norm just below 1, eta = 1/beta);
2. **hill climbing**: random moves of one symbol (a small shift of a scalar or of matrix
   entries, +-1 for an integer, a fresh draw for a structured symbol such as an orthogonal
   matrix), accepted when the margin drops; the step shrinks when moves stop helping.

Moves keep every value an exact rational and inside the sampler's range, and a candidate must
satisfy the hypotheses, so a failure found is a real counterexample. The margin is computed at
the first working precision; a failing candidate is confirmed at every precision before it is
reported. The smallest margin reached is kept as evidence of how hard the claim was pushed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Optional

from mpmath import mp

from verify.errors import EvalError, LimitExceeded, Undecided
from verify.instances import (Exact, _eval_args, dependents, draw_symbol, entries, entrywise,
                              failed_hypotheses, outside_domain)
from verify.expr import nodes as N
from verify.model import SymbolSpec
from verify.samplers.registry import facts

BISECTION_STEPS = 8
PROBES_PER_EVALUATION = 3   # hypothesis tests (boundary bisection) count against the budget too
# an instance the engines cannot evaluate is not a candidate (a kink of step(), a division by 0, ...)
EVAL_ERRORS = (EvalError, LimitExceeded, Undecided, ZeroDivisionError, ArithmeticError, ValueError, TypeError)
GRID = 10**18          # values are rounded to a relative grid, so denominators stay small
NEAR_MISS = 10**-4     # a best relative slack below this spends more: a 1-D minimisation per symbol
NEAR_MISS_FACTOR = 2   # the near-miss minimisation may spend this many times the search budget
GOLDEN_STEPS = 48      # golden-section steps per symbol (the bracket shrinks 0.618x a step)


@dataclass
class SearchOutcome:
    evaluations: int = 0                  # margins computed
    probes: int = 0                       # margins and hypothesis tests: what the budget bounds
    start_margin: Any = None
    best_margin: Any = None
    best: Optional[dict] = None
    failing: Optional[dict] = None        # a candidate confirmed to fail (see verify.confirm)
    decision: Any = None                  # its confirmation
    unconfirmed: Optional[tuple] = None   # (instance, decision): a failure nothing could decide
    refined: int = 0                      # evaluations spent on a near miss

    @property
    def near_miss(self) -> bool:
        """The search came within NEAR_MISS of failing (0: the equality case is attained)."""
        return self.best_margin is not None and 0 <= self.best_margin < NEAR_MISS

    def evidence(self, fmt: Callable) -> dict:
        out = {"search_evaluations": self.evaluations}
        if self.refined:
            out["search_near_miss_evaluations"] = self.refined
        if self.start_margin is not None:
            out["search_start_margin"] = fmt(self.start_margin)
        if self.best_margin is not None:
            out["search_best_margin"] = fmt(self.best_margin)
        return out


class LocalSearch:
    """Minimise `margin(instance)` over instances of a check's symbols that satisfy its hypotheses."""

    def __init__(self, symbols: dict[str, SymbolSpec], hyps, margin: Callable[[dict], Any],
                 redraw: Callable[[dict], Optional[dict]], dps: int, seed: str, fixed: dict,
                 judge: Callable[[dict], Any]):
        """`judge(instance) -> verify.confirm.Decision` decides a candidate whose margin is not
        positive (a zero margin fails a strict relation)."""
        self.symbols, self.hyps, self.margin_of, self.redraw = symbols, hyps, margin, redraw
        self.judge = judge
        self.dps, self.rng = dps, random.Random(seed)
        self.free = [n for n, s in sorted(symbols.items()) if _is_free(s) and n not in fixed]
        self.dependents = {n: dependents(symbols, n) for n in self.free}
        mentioned = set().union(*(N.names(h.node) for h in hyps)) if hyps else set()
        self.constrained = {n for n in self.free if ({n} | self.dependents[n]) & mentioned}
        self.out = SearchOutcome()

    # -- the objective --------------------------------------------------------------------------
    def _spent(self, budget: int) -> bool:
        return self.out.failing is not None or self.out.probes >= PROBES_PER_EVALUATION * budget \
            or self.out.evaluations >= budget

    def _try(self, inst: Optional[dict]):
        """The candidate's margin, or None when it is not an admissible instance."""
        if inst is None or not self._satisfies(inst):
            return None
        self.out.evaluations += 1
        self.out.probes += 1
        try:
            m = self.margin_of(inst)
        except EVAL_ERRORS:
            return None
        if m is not None and not mp.isfinite(m):
            return None  # an infinite margin: the check's own range was exceeded (first() found no hit)
        if m is not None and m <= 0:
            m = self._judge(inst, m)
        if m is not None and (self.out.best_margin is None or m < self.out.best_margin):
            self.out.best_margin, self.out.best = m, inst
        return m

    def _judge(self, inst: dict, m):
        """A candidate with no positive slack: confirmed failures stop the search; a failure that
        was rounding counts as slack 0; one nothing can decide is kept (it blocks a pass)."""
        try:
            d = self.judge(inst)
        except EVAL_ERRORS:
            return None
        if d.holds is False:
            self.out.failing, self.out.decision = inst, d
            return m
        if d.holds is None:
            if d.unconfirmed_failure and self.out.unconfirmed is None:
                self.out.unconfirmed = (inst, d)
            return None
        return max(m, mp.mpf(0))

    def _with(self, inst: dict, name: str, value: Exact) -> Optional[dict]:
        keep = {k: v for k, v in inst.items() if k != name and k not in self.dependents[name]}
        keep[name] = value
        try:
            return self.redraw(keep)
        except EVAL_ERRORS:
            return None

    # -- phases ---------------------------------------------------------------------------------
    def run(self, starts: list[tuple[Any, dict]], budget: int) -> SearchOutcome:
        """`starts`: the tightest instances of the random phase (their margins rank them)."""
        if not starts or not self.free:
            return self.out
        scored = []
        for _, inst in starts:
            m = self._try(inst)
            if m is not None:
                scored.append((m, inst))
        if not scored:
            return self.out
        scored.sort(key=lambda mi: mi[0])
        self.out.start_margin = scored[0][0]
        self._boundary(scored[0][1], budget)
        for _, inst in scored[1:]:
            if self._spent(budget):
                return self.out
            self._climb_from(inst, budget, rounds=len(self.free) + 2)
        self._climb(budget)
        if self.out.failing is None and self.out.best_margin is not None and 0 < self.out.best_margin < NEAR_MISS:
            self._refine(budget)  # a slack of exactly 0 is an equality case the search already sits on
        return self.out

    def _refine(self, budget: int) -> None:
        """A near miss: minimise the slack along each continuous scalar symbol in turn by golden
        section over its admissible range (from the best point), a few passes, on a budget of
        its own (a deterministic count of evaluations)."""
        names = [n for n in self.free if facts(self.symbols[n].sampler).continuous
                 and self.symbols[n].type != "integer" and not isinstance(self.out.best[n], list)]
        start = self.out.evaluations
        cap = start + NEAR_MISS_FACTOR * budget
        while names and self.out.failing is None and self.out.evaluations < cap:
            before = self.out.evaluations
            for name in names:
                if self.out.failing is not None or self.out.evaluations >= cap:
                    break
                self._golden(name, cap)
            if self.out.evaluations == before:
                break
        self.out.refined = self.out.evaluations - start

    def _golden(self, name: str, cap: int) -> None:
        best = self.out.best
        lo_hi = self._range(best, name)
        if lo_hi is None:
            v = Fraction(best[name])
            width = max(abs(v), Fraction(1))
            lo_hi = (v - width, v + width)
        a, b = lo_hi
        phi = Fraction(618034, 1000000)

        def f(x):
            m = self._try(self._with(self.out.best, name, _round(x)))
            return mp.inf if m is None else m

        c, d = b - phi * (b - a), a + phi * (b - a)
        fc, fd = f(c), f(d)
        for _ in range(GOLDEN_STEPS):
            if self.out.failing is not None or self.out.evaluations >= cap:
                return
            if fc <= fd:
                b, d, fd = d, c, fc
                c = b - phi * (b - a)
                fc = f(c)
            else:
                a, c, fc = c, d, fd
                d = a + phi * (b - a)
                fd = f(d)

    def _boundary(self, inst: dict, budget: int) -> None:
        """Scale each continuous symbol out (then in) to the edge of the admissible region:
        every symbol outwards first, since the largest admissible value is the usual edge case."""
        names = [n for n in self.free if facts(self.symbols[n].sampler).continuous
                 and self.symbols[n].type != "integer" and any(x != 0 for x in entries(inst[n]))]
        names.sort(key=lambda n: n in self.constrained)  # free of hypotheses first: no bisection needed
        for outward in (True, False):
            cur = inst  # outward pushes compound: all symbols at their largest admissible values
            for name in names:
                if self._spent(budget) or self.out.probes >= budget:  # at most half the probes here
                    return
                edge = self._edge(cur, name, outward, budget)
                cand = None if edge is None else self._with(cur, name, edge)
                if self._try(cand) is not None and outward:
                    cur = cand

    def _edge(self, inst: dict, name: str, outward: bool, budget: int) -> Optional[Exact]:
        """Bisection on t for the value t * v: the last admissible t towards the edge."""
        v, lo_hi = inst[name], self._range(inst, name)
        if name not in self.constrained:  # no hypothesis mentions it: only the sampler's range bounds it
            return _clip(_scale(v, Fraction(2**40) if outward else Fraction(0)), lo_hi)
        good, bad = Fraction(1), (Fraction(4) if outward else Fraction(0))
        if outward:  # find a bad t by growing it first
            for _ in range(10):
                if not self._admissible(inst, name, _clip(_scale(v, bad), lo_hi)):
                    break
                good, bad = bad, bad * 4
            else:
                return _clip(_scale(v, good), lo_hi)
        elif self._admissible(inst, name, _clip(_scale(v, bad), lo_hi)):
            return _clip(_scale(v, bad), lo_hi)
        for _ in range(BISECTION_STEPS):
            if self._spent(budget):
                break
            mid = (good + bad) / 2
            if self._admissible(inst, name, _clip(_scale(v, mid), lo_hi)):
                good = mid
            else:
                bad = mid
        return _clip(_scale(v, good), lo_hi)

    def _admissible(self, inst: dict, name: str, value: Exact) -> bool:
        cand = self._with(inst, name, value)
        return cand is not None and self._satisfies(cand)

    def _satisfies(self, inst: dict) -> bool:
        widened = {n for n in self.constrained if self.symbols[n].range is not None
                   and self.symbols[n].type != "integer"}
        if outside_domain({k: v for k, v in self.symbols.items() if k not in widened}, inst):
            return False
        for name in widened:
            lo_hi = self._range(inst, name)
            v = inst.get(name)
            if lo_hi is not None and not isinstance(v, list) and v is not None and not lo_hi[0] <= v <= lo_hi[1]:
                return False
        if not self.hyps:
            return True
        self.out.probes += 1
        try:
            return not failed_hypotheses(self.hyps, inst, self.dps)
        except EVAL_ERRORS:
            return False  # a pushed candidate where a hypothesis is undefined is not admissible

    def _climb_from(self, start: dict, budget: int, rounds: int) -> None:
        """A few moves from another tight instance (the search is not only local to the best)."""
        cur_margin = None
        cur = start
        for _ in range(rounds):
            if self._spent(budget):
                return
            name = self.rng.choice(self.free)
            cand = self._move(cur, name, Fraction(1, 8))
            m = self._try(cand)
            if m is not None and (cur_margin is None or m < cur_margin):
                cur, cur_margin = cand, m

    def _climb(self, budget: int) -> None:
        steps = {n: Fraction(1, 8) for n in self.free}
        stall = 0
        while not self._spent(budget) and stall < 4 * len(self.free) + 8:
            cur, name = self.out.best, self.rng.choice(self.free)
            before = self.out.best_margin
            cand = self._move(cur, name, steps[name])
            self._try(cand)
            if self.out.best_margin is not None and before is not None and self.out.best_margin < before:
                stall = 0
                steps[name] = min(steps[name] * 2, Fraction(1, 2))
                self._follow(cur, self.out.best, name, budget)
            else:
                stall += 1
                steps[name] = max(steps[name] / 2, Fraction(1, 2**40))

    def _follow(self, old: dict, new: dict, name: str, budget: int) -> None:
        """After a good move of a continuous symbol, keep going the same way while it helps."""
        if not facts(self.symbols[name].sampler).continuous or self.symbols[name].type == "integer":
            return
        lo_hi = self._range(new, name)
        step, grow, misses = entrywise(lambda x, y: Fraction(x) - Fraction(y), new[name], old[name]), True, 0
        while not self._spent(budget) and misses < 3:
            step = _scale(step, Fraction(2) if grow else Fraction(1, 2))  # a line search along the good move
            before = self.out.best_margin
            moved = entrywise(lambda x, y: _round(Fraction(x) + Fraction(y)), new[name], step)
            self._try(self._with(new, name, _clip(moved, lo_hi)))
            if self.out.best_margin < before:
                new = self.out.best
            else:  # overshot: come back with shorter steps
                grow, misses = False, misses + 1

    def _move(self, inst: dict, name: str, step: Fraction) -> Optional[dict]:
        spec = self.symbols[name]
        v = inst[name]
        if spec.type == "integer":
            lo_hi = self._range(inst, name)
            new = v + self.rng.choice((1, -1))
            if lo_hi and not lo_hi[0] <= new <= lo_hi[1]:
                return None
            return self._with(inst, name, new)
        if facts(spec.sampler).continuous:
            lo_hi = self._range(inst, name)
            size = max([Fraction(1)] + [abs(Fraction(x)) for x in entries(v)])
            scale = (lo_hi[1] - lo_hi[0]) if lo_hi else size
            return self._with(inst, name, _clip(self._nudge(v, step * scale), lo_hi))
        try:  # a structured symbol: a fresh draw of it alone
            fresh = draw_symbol(spec, self.rng, 1000 + self.out.evaluations, inst)
        except EVAL_ERRORS:
            return None
        return self._with(inst, name, fresh)

    def _nudge(self, v: Exact, width: Fraction) -> Exact:
        if isinstance(v, list):
            if self.rng.random() < 0.5:  # one entry
                out = [list(r) if isinstance(r, list) else r for r in v]
                i = self.rng.randrange(len(out))
                if isinstance(out[i], list):
                    j = self.rng.randrange(len(out[i]))
                    out[i][j] = self._nudge(out[i][j], width)
                else:
                    out[i] = self._nudge(out[i], width)
                return out
            return [self._nudge(x, width) for x in v]
        delta = Fraction(round(self.rng.gauss(0.0, 1.0) * 10**6), 10**6) * width
        return _round(Fraction(v) + delta)

    def _range(self, inst: dict, name: str) -> Optional[tuple[Fraction, Fraction]]:
        """Where a symbol may move: its sampler's range, except that a symbol the hypotheses bound
        may go up to the top of its declared range, so the search pushes to the hypotheses'
        boundary (the largest step size, a norm just below 1), not the sampler's. Downwards it
        stops at the sampler's low end: values towards 0 (a tiny step size) make iterations slow,
        not bounds false, and the lint on sampler coverage reports such gaps."""
        spec = self.symbols[name]
        args = spec.params()
        if spec.sampler == "gaussian" or args is None:
            lo_hi = None
        else:
            try:
                lo, hi = _eval_args(args, inst)
                lo_hi = (Fraction(lo), Fraction(hi))
            except EVAL_ERRORS:
                lo_hi = None
        if name in self.constrained and spec.range is not None and spec.type != "integer" and lo_hi:
            try:
                top = Fraction(_eval_args(list(spec.range), inst)[1])
                return lo_hi[0], max(lo_hi[1], top)
            except EVAL_ERRORS:
                pass
        return lo_hi


def _is_free(spec: SymbolSpec) -> bool:
    return spec.type not in ("index", "operator") and spec.value is None and spec.sampler not in ("choice",)


def _scale(v: Exact, t: Fraction) -> Exact:
    return entrywise(lambda x: _round(Fraction(x) * t), v)


def _clip(v: Exact, lo_hi) -> Exact:
    return v if lo_hi is None else entrywise(lambda x: min(max(x, lo_hi[0]), lo_hi[1]), v)


def _round(x: Fraction) -> Fraction:
    """x on a fine grid relative to its size (keeps exact values, bounds their denominators)."""
    if x == 0 or x.denominator <= GRID:
        return x
    return Fraction(round(x * GRID), GRID)
