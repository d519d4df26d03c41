"""The fixed table of functions of the claim language: every function's signature (name, arity,
documentation line, examples).

Every function but the binder forms and the two that read a condition (`ind`, `piecewise`) is
written once (verify.expr.bodies): the scalar functions of `elementary.py` (`abs`, `sqrt`,
`sigmoid`, ...), the matrix-shape functions of `structure.py` (`entry`, `vec`, `hstack`, ...) and
the linear algebra of `linalg.py` (`inv`, `opnorm`, ...), with one body over a domain's operations
that every engine runs. Binder forms (`sum`, `prod`, `first`, `diff`, `grad`, `hessian`, `jacobian`,
`limit`, `iterate`, ...) take a variable name at `binds`; they, `ind` and `piecewise` are evaluated
by the engines (`sum`, `prod`, `first`, `at`, `piecewise` once for mpmath and the balls in
verify.expr.walk; the rest in `numeric.SPECIAL`, `symbolic.SPECIAL`, `certify.balls`,
`certify.smt`). `verify functions` prints which engine supports which (`verify.support`), and
tests/test_function_registry.py checks every entry: a doc line, examples that every supporting
engine evaluates to the same value, LaTeX, and a use in a test or a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from verify.expr import elementary, linalg, structure  # noqa: F401 (they register their bodies)
from verify.expr.bodies import BODIES


@dataclass(frozen=True)
class Fn:
    name: str
    arity: tuple[int, int]       # min, max number of arguments (max -1: any)
    doc: str
    binds: Optional[int] = None  # position of the bound variable (binder forms)
    examples: tuple[str, ...] = ()  # closed expressions (over EXAMPLE_SYMBOLS as bound names)


FUNCTIONS: dict[str, Fn] = {}

#: The names the examples bind (`sum(k**2, k, 1, 4)`); an example has no free symbol.
EXAMPLE_SYMBOLS = ("k", "n", "s", "v", "x")


def register(name: str, arity, doc: str, binds: Optional[int] = None, examples: tuple = ()) -> None:
    lo, hi = (arity, arity) if isinstance(arity, int) else arity
    FUNCTIONS[name] = Fn(name, (lo, hi), doc, binds, tuple(examples))


# Binder forms: the engines implement them.
_BINDERS = {
    "sum": (4, "sum(expr, k, lo, hi): sum over the integers lo..hi (inclusive)", "sum(k**2, k, 1, 4)"),
    "prod": (4, "prod(expr, k, lo, hi): product over lo..hi; matrix factors multiply left to right",
             "prod(k, k, 1, 5)"),
    "first": (4, "first(cond, t, lo, hi): the least t in lo..hi where cond holds, else oo",
              "first(k**2 > 10, k, 0, 10)"),
    "diff": ((2, 3), "diff(expr, x[, n]): n-th derivative in the scalar symbol x",
             "at(diff(x**3, x), x, 2)", "at(diff(x**3, x, 2), x, 2)"),
    "grad": (2, "grad(expr, X): gradient of a scalar in a scalar, vector or matrix X (same shape)",
             "at(grad(dot(v, v) + entry(v, 1, 1), v), v, [[1], [2]])"),
    "hessian": (2, "hessian(expr, X): Hessian in the entries of X (row-major order)",
                "at(hessian(entry(v, 1, 1)**2 * entry(v, 2, 1), v), v, [[1], [2]])"),
    "jacobian": (2, "jacobian(F, X): d vec(F) / d vec(X), entries row-major",
                 "at(jacobian(v * entry(v, 1, 1), v), v, [[1], [2]])"),
    "at": (3, "at(expr, x, value): expr with x set to value (after derivatives in x are taken)",
           "at(x**2 + 1, x, 3)"),
    "integral": (4, "integral(expr, s, a, b): the integral of expr over s from a to b",
                 "integral(s**2, s, 0, 3)"),
    "limit": (3, "limit(expr, n, point): limit as n -> point (point may be oo)",
              "limit(n / (n + 1), n, oo)"),
    "iterate": (4, "iterate(step, x, x0, T): x_T where x_0 = x0 and x_{t+1} = step(x_t)",
                "iterate(x / 2 + 1, x, 0, 3)"),
}
for _name, (_arity, _doc, *_examples) in _BINDERS.items():
    register(_name, _arity, _doc, 1, _examples)


# Conditions as values: name -> (arity, doc line, example, ...); each engine reads the condition.
_PLAIN = {
    "ind": (1, "ind(cond): 1 if cond holds else 0", "ind(2 > 1)", "ind(2 < 1)"),
    "piecewise": ((3, -1), "piecewise(c1, v1, c2, v2, ..., otherwise)", "piecewise(2 < 1, 5, 3 < 4, 7, 9)"),
}
for _name, (_arity, _doc, *_examples) in _PLAIN.items():
    register(_name, _arity, _doc, examples=_examples)
for _fn in BODIES.values():  # the functions written once: verify.expr.bodies
    register(_fn.name, _fn.arity, _fn.doc, examples=_fn.examples)
