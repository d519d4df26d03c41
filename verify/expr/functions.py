"""The fixed table of functions of the claim language: every function's signature (name, arity,
documentation line, examples).

The functions written once (verify.expr.bodies: the scalar functions of `elementary.py` such as
`abs`, `sqrt`, `sigmoid`, and the matrix-shape functions of `structure.py` such as `entry`, `vec`,
`hstack`) have one body over a domain's operations, which every engine evaluates. The others have a
body per engine: `numeric.NUMERIC` (mpmath), `symbolic.SYMBOLIC`
(SymPy), `certify.balls` (one body for exact rationals and arb balls) and `certify.smt` (z3). Binder
forms (`sum`, `prod`, `first`, `diff`, `grad`, `hessian`, `jacobian`, `limit`, `iterate`, ...) take a
variable name at `binds` and are evaluated by the engines themselves. `verify functions` prints
which engine supports which (`verify.support`), and tests/test_function_registry.py checks every
entry: a doc line, examples that every supporting engine evaluates to the same value, LaTeX, and a
use in a test or a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from verify.expr import elementary, structure  # noqa: F401 (they register their bodies)
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


# Plain functions: name -> (arity, doc line, example, ...). Examples with a matrix come with a
# scalar one where the function takes scalars too (z3 has no matrices).
_PLAIN = {
    "inv": (1, "inv(A): inverse of a square matrix (1/x for a scalar)", "inv([[2, 1], [1, 1]])", "inv(4)"),
    "det": (1, "det(A): determinant", "det([[2, 1], [1, 3]])"),
    "opnorm": (1, "opnorm(A): spectral norm (largest singular value); |x| for a scalar",
               "opnorm([[1, 2], [3, 4]])", "opnorm(-2)"),
    "norm": (1, "norm(x): Euclidean norm of a vector, Frobenius norm of a matrix, |x| of a scalar",
             "norm([[1], [2]])", "norm(-2)"),
    "fro": (1, "fro(A): Frobenius norm", "fro([[1, 2], [2, 4]])", "fro(-3)"),
    "lambda_min": (1, "lambda_min(A): smallest eigenvalue of a symmetric matrix", "lambda_min([[2, 1], [1, 3]])"),
    "lambda_max": (1, "lambda_max(A): largest eigenvalue of a symmetric matrix", "lambda_max([[2, 1], [1, 3]])"),
    "sigma_min": (1, "sigma_min(A): smallest singular value (of min(r, c))", "sigma_min([[1, 2], [3, 4]])",
                  "sigma_min([[1, 2, 3], [4, 5, 6]])"),
    "sigma_max": (1, "sigma_max(A): largest singular value", "sigma_max([[1, 2], [3, 4]])"),
    "rho": (1, "rho(A): spectral radius (largest |eigenvalue|)", "rho([[0, 1], [-2, -3]])"),
    "rank": (1, "rank(A): numerical rank (singular values above the tolerance band)", "rank([[1, 2], [2, 4]])"),
    "dot": (2, "dot(u, v): inner product of vectors (or Frobenius product of matrices)",
            "dot([[1], [2]], [[3], [4]])"),
    "pinv": (1, "pinv(A): Moore-Penrose pseudo-inverse", "pinv([[1, 2], [2, 4]])"),
    "outer": (2, "outer(u, v): u v^T", "outer([[1], [2]], [[3], [4]])"),
    "ind": (1, "ind(cond): 1 if cond holds else 0", "ind(2 > 1)", "ind(2 < 1)"),
    "piecewise": ((3, -1), "piecewise(c1, v1, c2, v2, ..., otherwise)", "piecewise(2 < 1, 5, 3 < 4, 7, 9)"),
    "binomial": (2, "binomial(n, k)", "binomial(6, 2)"),
    "factorial": (1, "factorial(n) (n capped)", "factorial(5)"),
}
for _name, (_arity, _doc, *_examples) in _PLAIN.items():
    register(_name, _arity, _doc, examples=_examples)
for _fn in BODIES.values():  # the functions written once: verify.expr.bodies
    register(_fn.name, _fn.arity, _fn.doc, examples=_fn.examples)
