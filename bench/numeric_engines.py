"""How to evaluate a claim's expression on many instances: verify's tree evaluator (mpmath, the
engine the numeric checks use) against SymPy's subs + evalf and lambdify to mpmath.

    python bench/numeric_engines.py            # 300 rational points, 50 digits
    MPMATH_NOGMPY=1 python bench/numeric_engines.py   # the same without gmpy2

The expression is the descent lemma's log-cosh test function (scalar, 3 variables, 5 terms).
"""

from __future__ import annotations

import random
import time
from fractions import Fraction

import sympy as sp
from mpmath import libmp, mp

from verify.expr import numeric as num
from verify.expr.parser import parse
from verify.instances import mp_env

TEXT = ("log(cosh(2*x - y + z/3 - 1)) + log(cosh(x + 3*y - 2)) + log(cosh(z - x/2 + 1/5))"
        " + log(cosh(x*y - z)) + log(cosh(3*z + y/7))")
POINTS = 300
DPS = 50


def points():
    rng = random.Random(2024)
    return [{k: Fraction(rng.randint(-10**6, 10**6), 10**6) for k in "xyz"} for _ in range(POINTS)]


def tree_engine(pts):
    node = parse(TEXT, "xyz")
    out = []
    with mp.workdps(DPS):
        for p in pts:
            out.append(num.evaluate(node, num.Ctx(mp_env(p))))
    return out


def sympy_expr():
    x, y, z = sp.symbols("x y z")
    S = {"x": x, "y": y, "z": z}
    from verify.expr.symbolic import SymCtx, evaluate
    return evaluate(parse(TEXT, "xyz"), SymCtx(S)), (x, y, z)


def subs_evalf(pts):
    expr, syms = sympy_expr()
    return [expr.evalf(DPS, subs={s: sp.Rational(p[n].numerator, p[n].denominator)
                                  for s, n in zip(syms, "xyz")}) for p in pts]


def lambdified(pts):
    expr, syms = sympy_expr()
    f = sp.lambdify(syms, expr, modules="mpmath")  # code generated from our own tree, not from text
    with mp.workdps(DPS):
        return [f(*(mp.mpf(p[n].numerator) / p[n].denominator for n in "xyz")) for p in pts]


def timed(fn, pts):
    start = time.perf_counter()
    out = fn(pts)
    return (time.perf_counter() - start) / len(pts) * 1000, out


def main():
    pts = points()
    rows = [(name, *timed(fn, pts)) for name, fn in
            [("verify tree evaluator", tree_engine), ("sympy subs+evalf", subs_evalf), ("lambdify(mpmath)", lambdified)]]
    ref = rows[0][2]
    print(f"mpmath backend: {libmp.BACKEND}; {POINTS} points at {DPS} digits\n")
    print("| engine | ms per evaluation | max rel. difference to the tree evaluator |")
    print("|---|---|---|")
    with mp.workdps(DPS + 10):
        for name, ms, out in rows:
            diff = max(abs(mp.mpf(str(a)) - b) / max(1, abs(b)) for a, b in zip(out, ref))
            print(f"| {name} | {ms:.3f} | {mp.nstr(diff, 3)} |")


if __name__ == "__main__":
    main()
