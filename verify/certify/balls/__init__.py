"""Certificates for one instance: exact rational arithmetic where the tree allows it, arb balls
otherwise.

`certify(relation, exact)` decides a relation (a comparison chain or an `and` of them) at one
exact instance without a tolerance band, conjunct by conjunct:

- **exact** (`rational.Rational`): python-flint `fmpq` / `fmpq_mat`, plus square roots kept exactly as
  `c * sqrt(r)` (`Surd`), so `norm(v)**2 == dot(v, v)` or `norm(u) <= norm(w)` stay exact. Every
  comparison, equalities too, is decided exactly. Anything without an exact value here (exp, pi,
  eigenvalues of a non-diagonal matrix, rationals above MAX_BITS, ...) raises `NotRational` and the
  conjunct falls through to
- **arb** (`ball.Ball`): python-flint `arb` / `arb_mat` balls at `prec_bits`, keeping values exact
  (`fmpq`) for as long as they stay rational, so only what is really irrational carries a radius.
  A comparison is decided when the ball of (rhs - lhs) excludes 0 (certified, or refuted when it
  lies on the wrong side). A ball that contains 0 decides nothing: `a <= b` is then undecided, and
  an equality of balls is never proved (only refuted). Only an exact value (a rational, or a ball
  of radius 0) can be exactly 0.

The evaluator (`evaluator.Eval`, the bodies in `functions`) is written once over the tree and
takes the number domain as a parameter, as mpmath's functions run under its mp/fp/iv contexts.
Its semantics mirror the mpmath evaluator (verify/expr/numeric.py): `I` takes the size of the
other operand, vectors are n x 1 matrices, 1 x 1 matrices act as scalars, indices are 1-based,
`sum`/`prod` bounds are inclusive integers.

Conditions inside an expression (`ind`, `piecewise`, `step`, `sign`, `floor`, `first`, `and`) must
be decided by the balls, else the conjunct is undecided. Eigenvalues of symmetric matrices (also
`opnorm`, `sigma_*` through the Gram matrix, and `rho`) come from arb's rigorous enclosures
(`acb_mat.eig(multiple=True)`), with Gershgorin bounds when they cannot be isolated; a ball
matrix whose (i, j) and (j, i) balls overlap is taken as symmetric. Derivatives, integrals,
limits, `pinv` and other functions without a rigorous evaluation here leave the relation
undecided, with the function named in `detail`. Never raises on a well-formed tree: sizes,
exponents, rational sizes and the number of evaluation steps are bounded (`common`).
"""

from .common import EvalFailure
from .decide import certify, evaluate
from .functions import SUPPORTED
from .rational import Surd
