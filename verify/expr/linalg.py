"""The linear algebra of the claim language, each function registered once (verify.expr.bodies) as
one operation of the domains: mpmath computes it with its SVD and eigensolvers at the working
precision, SymPy exactly, the balls with arb's rigorous enclosures (or exactly), z3 where its
argument is a scalar. `inv` and `outer` print in verify.expr.latex (their form depends on precedence)."""

from __future__ import annotations

from verify.expr.bodies import VALUES, operation

# name, arity, doc line, LaTeX ("#1" the argument; None: \operatorname{name}), examples. Examples with
# a matrix come with a scalar one where the function takes scalars too (z3 has no matrices).
for _name, _arity, _doc, _latex, *_examples in (
    ("inv", 1, "inv(A): inverse of a square matrix (1/x for a scalar)", None, "inv([[2, 1], [1, 1]])", "inv(4)"),
    ("det", 1, "det(A): determinant", r"\det\left(#1\right)", "det([[2, 1], [1, 3]])"),
    ("opnorm", 1, "opnorm(A): spectral norm (largest singular value); |x| for a scalar", r"\left\|#1\right\|_{op}",
     "opnorm([[1, 2], [3, 4]])", "opnorm(-2)"),
    ("norm", 1, "norm(x): Euclidean norm of a vector, Frobenius norm of a matrix, |x| of a scalar",
     r"\left\|#1\right\|", "norm([[1], [2]])", "norm(-2)"),
    ("fro", 1, "fro(A): Frobenius norm", r"\left\|#1\right\|_F", "fro([[1, 2], [2, 4]])", "fro(-3)"),
    ("lambda_min", 1, "lambda_min(A): smallest eigenvalue of a symmetric matrix", r"\lambda_{\min}\left(#1\right)",
     "lambda_min([[2, 1], [1, 3]])"),
    ("lambda_max", 1, "lambda_max(A): largest eigenvalue of a symmetric matrix", r"\lambda_{\max}\left(#1\right)",
     "lambda_max([[2, 1], [1, 3]])"),
    ("sigma_min", 1, "sigma_min(A): smallest singular value (of min(r, c))", r"\sigma_{\min}\left(#1\right)",
     "sigma_min([[1, 2], [3, 4]])", "sigma_min([[1, 2, 3], [4, 5, 6]])"),
    ("sigma_max", 1, "sigma_max(A): largest singular value", r"\sigma_{\max}\left(#1\right)",
     "sigma_max([[1, 2], [3, 4]])"),
    ("rho", 1, "rho(A): spectral radius (largest |eigenvalue|)", r"\rho\left(#1\right)", "rho([[0, 1], [-2, -3]])"),
    ("rank", 1, "rank(A): numerical rank (singular values above the tolerance band)",
     r"\operatorname{rank}\left(#1\right)", "rank([[1, 2], [2, 4]])"),
    ("dot", 2, "dot(u, v): inner product of vectors (or Frobenius product of matrices)",
     r"\left\langle #1, #2 \right\rangle", "dot([[1], [2]], [[3], [4]])"),
    ("pinv", 1, "pinv(A): Moore-Penrose pseudo-inverse", None, "pinv([[1, 2], [2, 4]])"),
    ("outer", 2, "outer(u, v): u v^T", None, "outer([[1], [2]], [[3], [4]])"),
):
    operation(_name, _arity, _doc, *_examples, latex=_latex, takes=VALUES)
