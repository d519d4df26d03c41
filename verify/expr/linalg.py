"""The linear algebra of the claim language, each function registered once (verify.expr.bodies) as
one operation of the domains: mpmath computes it with its SVD and eigensolvers at the working
precision, SymPy exactly, the balls with arb's rigorous enclosures (or exactly), z3 where its
argument is a scalar. Their LaTeX forms are in verify.expr.latex (they depend on precedence)."""

from __future__ import annotations

from verify.expr.bodies import VALUES, operation

# Examples with a matrix come with a scalar one where the function takes scalars too (z3 has no
# matrices).
for _name, _arity, _doc, *_examples in (
    ("inv", 1, "inv(A): inverse of a square matrix (1/x for a scalar)", "inv([[2, 1], [1, 1]])", "inv(4)"),
    ("det", 1, "det(A): determinant", "det([[2, 1], [1, 3]])"),
    ("opnorm", 1, "opnorm(A): spectral norm (largest singular value); |x| for a scalar",
     "opnorm([[1, 2], [3, 4]])", "opnorm(-2)"),
    ("norm", 1, "norm(x): Euclidean norm of a vector, Frobenius norm of a matrix, |x| of a scalar",
     "norm([[1], [2]])", "norm(-2)"),
    ("fro", 1, "fro(A): Frobenius norm", "fro([[1, 2], [2, 4]])", "fro(-3)"),
    ("lambda_min", 1, "lambda_min(A): smallest eigenvalue of a symmetric matrix", "lambda_min([[2, 1], [1, 3]])"),
    ("lambda_max", 1, "lambda_max(A): largest eigenvalue of a symmetric matrix", "lambda_max([[2, 1], [1, 3]])"),
    ("sigma_min", 1, "sigma_min(A): smallest singular value (of min(r, c))", "sigma_min([[1, 2], [3, 4]])",
     "sigma_min([[1, 2, 3], [4, 5, 6]])"),
    ("sigma_max", 1, "sigma_max(A): largest singular value", "sigma_max([[1, 2], [3, 4]])"),
    ("rho", 1, "rho(A): spectral radius (largest |eigenvalue|)", "rho([[0, 1], [-2, -3]])"),
    ("rank", 1, "rank(A): numerical rank (singular values above the tolerance band)", "rank([[1, 2], [2, 4]])"),
    ("dot", 2, "dot(u, v): inner product of vectors (or Frobenius product of matrices)",
     "dot([[1], [2]], [[3], [4]])"),
    ("pinv", 1, "pinv(A): Moore-Penrose pseudo-inverse", "pinv([[1, 2], [2, 4]])"),
    ("outer", 2, "outer(u, v): u v^T", "outer([[1], [2]], [[3], [4]])"),
):
    operation(_name, _arity, _doc, *_examples, takes=VALUES)
