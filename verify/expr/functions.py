"""The fixed table of functions of the claim language.

This module holds the signatures (name, arity, documentation); the bodies live in the two
evaluators, `numeric.NUMERIC` (mpmath) and `symbolic.SYMBOLIC` (SymPy). Binder forms (`sum`, `prod`, `first`, `diff`, `grad`, `hessian`, `jacobian`, `limit`, `iterate`)
take a variable name at `binds` and are evaluated by the evaluators themselves.
Adding a function is one entry here plus a body in each evaluator; `verify functions` lists the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Fn:
    name: str
    arity: tuple[int, int]       # min, max number of arguments (max -1: any)
    doc: str
    binds: Optional[int] = None  # position of the bound variable (binder forms)


FUNCTIONS: dict[str, Fn] = {}


def register(name: str, arity, doc: str, binds: Optional[int] = None) -> None:
    lo, hi = (arity, arity) if isinstance(arity, int) else arity
    FUNCTIONS[name] = Fn(name, (lo, hi), doc, binds)


# Binder forms: the evaluators implement them.
register("sum", 4, "sum(expr, k, lo, hi): sum over the integers lo..hi (inclusive)", 1)
register("prod", 4, "prod(expr, k, lo, hi): product over lo..hi; matrix factors multiply left to right", 1)
register("first", 4, "first(cond, t, lo, hi): the least t in lo..hi where cond holds, else oo", 1)
register("diff", (2, 3), "diff(expr, x[, n]): n-th derivative in the scalar symbol x", 1)
register("grad", 2, "grad(expr, X): gradient of a scalar in a scalar, vector or matrix X (same shape)", 1)
register("hessian", 2, "hessian(expr, X): Hessian in the entries of X (row-major order)", 1)
register("jacobian", 2, "jacobian(F, X): d vec(F) / d vec(X), entries row-major", 1)
register("at", 3, "at(expr, x, value): expr with x set to value (after derivatives in x are taken)", 1)
register("integral", 4, "integral(expr, s, a, b): the integral of expr over s from a to b", 1)
register("limit", 3, "limit(expr, n, point): limit as n -> point (point may be oo)", 1)
register("iterate", 4, "iterate(step, x, x0, T): x_T where x_0 = x0 and x_{t+1} = step(x_t)", 1)


# Plain functions: the numeric bodies are in verify.expr.numeric.NUMERIC, the symbolic ones in
# verify.expr.symbolic.SYMBOLIC; a test requires both for every entry.
_PLAIN = {
    "T": (1, "T(A): transpose (also transpose(A))"),
    "transpose": (1, "transpose(A)"),
    "inv": (1, "inv(A): inverse of a square matrix (1/x for a scalar)"),
    "det": (1, "det(A): determinant"),
    "trace": (1, "trace(A)"),
    "tr": (1, "tr(A): trace"),
    "opnorm": (1, "opnorm(A): spectral norm (largest singular value); |x| for a scalar"),
    "norm": (1, "norm(x): Euclidean norm of a vector, Frobenius norm of a matrix, |x| of a scalar"),
    "fro": (1, "fro(A): Frobenius norm"),
    "lambda_min": (1, "lambda_min(A): smallest eigenvalue of a symmetric matrix"),
    "lambda_max": (1, "lambda_max(A): largest eigenvalue of a symmetric matrix"),
    "sigma_min": (1, "sigma_min(A): smallest singular value (of min(r, c))"),
    "sigma_max": (1, "sigma_max(A): largest singular value"),
    "rho": (1, "rho(A): spectral radius (largest |eigenvalue|)"),
    "rank": (1, "rank(A): numerical rank (singular values above the tolerance band)"),
    "dot": (2, "dot(u, v): inner product of vectors (or Frobenius product of matrices)"),
    "hadamard": (2, "hadamard(A, B): entrywise product"),
    "pinv": (1, "pinv(A): Moore-Penrose pseudo-inverse"),
    "maxentry": (1, "maxentry(A): the largest entry"),
    "minentry": (1, "minentry(A): the smallest entry"),
    "outer": (2, "outer(u, v): u v^T"),
    "diag": (1, "diag(v): diagonal matrix from a vector"),
    "eye": (1, "eye(n): n x n identity"),
    "zeros": (2, "zeros(r, c): zero matrix"),
    "ones": (2, "ones(r, c): all-ones matrix"),
    "row": (2, "row(A, i): i-th row as a column vector (1-based)"),
    "col": (2, "col(A, j): j-th column (1-based)"),
    "entry": (3, "entry(A, i, j): entry (1-based)"),
    "rows": (1, "rows(A): number of rows"),
    "cols": (1, "cols(A): number of columns"),
    "vec": (1, "vec(A): entries as a column vector, row-major"),
    "hstack": ((2, -1), "hstack(A, B, ...): side by side"),
    "vstack": ((2, -1), "vstack(A, B, ...): stacked"),
    "matrix": ((3, -1), "matrix(r, c, a11, a12, ...): a matrix from its entries, row by row ([[...]] literals)"),
    "abs": (1, "abs(x)"),
    "sign": (1, "sign(x)"),
    "min": ((1, -1), "min(a, b, ...)"),
    "max": ((1, -1), "max(a, b, ...)"),
    "floor": (1, "floor(x)"),
    "ceil": (1, "ceil(x)"),
    "sqrt": (1, "sqrt(x)"),
    "exp": (1, "exp(x)"),
    "log": ((1, 2), "log(x[, base])"),
    "log1p": (1, "log1p(x) = log(1 + x), accurate near 0"),
    "sin": (1, "sin(x)"), "cos": (1, "cos(x)"), "tan": (1, "tan(x)"),
    "asin": (1, "asin(x)"), "acos": (1, "acos(x)"), "atan": (1, "atan(x)"),
    "sinh": (1, "sinh(x)"), "cosh": (1, "cosh(x)"), "tanh": (1, "tanh(x)"),
    "sech": (1, "sech(x)"),
    "sigmoid": (1, "sigmoid(x) = 1 / (1 + exp(-x))"),
    "relu": (1, "relu(x) = max(0, x), entrywise on matrices"),
    "step": (1, "step(x): 1 if x >= 0 else 0 (the relu'(0) = 1 convention), entrywise"),
    "ind": (1, "ind(cond): 1 if cond holds else 0"),
    "piecewise": ((3, -1), "piecewise(c1, v1, c2, v2, ..., otherwise)"),
    "binomial": (2, "binomial(n, k)"),
    "factorial": (1, "factorial(n) (n capped)"),
}
for _name, (_arity, _doc) in _PLAIN.items():
    register(_name, _arity, _doc)
