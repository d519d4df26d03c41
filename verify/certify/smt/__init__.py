"""SMT certificates: z3 proves a scalar polynomial (or rational) relation for ALL values.

`smt_prove(relation, claim)` translates the relation, the hypotheses and each symbol's domain
into z3 real (and integer) arithmetic and asks whether

    domain & hypotheses  =>  (every denominator != 0, every sqrt argument >= 0) & relation

holds for every assignment of the quantified symbols - not just for sampled ones:

- "proved": z3 showed the negation unsatisfiable. This is a proof over the whole domain.
  Hypotheses or domain bounds that cannot be expressed (they mention a matrix, exp, ...) are
  left out of the assumptions and named in `detail`: dropping an assumption only makes the
  proved statement more general, so the proof stays valid. `vacuous` says whether the kept
  assumptions themselves are unsatisfiable (then the proof says nothing).
- "refuted": z3 found an assignment of the negation; `model` holds exact values (Fractions,
  ints for integer symbols; irrational algebraic numbers are rounded to 40 digits and `detail`
  says "approximated"). The point may be one where the relation is undefined (a denominator
  vanishes) - `detail` says so. Callers should re-check the model with the numeric engine.
- "unknown": z3 gave up (resource limit, timeout, incompleteness), or it found a counterexample
  only after assumptions were dropped (the candidate is in `model`). Never evidence either way.
- "unsupported": the relation uses something z3 cannot express exactly (matrices, pi, exp, a
  symbolic exponent, a sum with symbolic bounds, ...); `detail` names the construct.

The domain of a quantified symbol is what the numeric engine samples from: `positive` gives
x > 0, `range: [lo, hi]` gives lo <= x <= hi, the samplers uniform / fractions / loguniform /
integer give their closed interval [lo, hi], gaussian is unbounded, signs is x = +-1, choice is
x in the listed values; a declared range or `positive` is the domain itself, whatever narrower
interval the sampler draws from (a proof for `real: positive` covers every positive real). Symbols
with a `value:` are substituted, not quantified. Only the symbols the relation mentions, the
hypotheses connected to them (through shared symbols), and the symbols their domains refer to
take part.

Semantics mirror `verify.expr.numeric`: comparisons are exact (no tolerance band), a chain
needs every link, `and`/`or`/`piecewise` evaluate lazily (a denominator in a branch not taken
does not matter), floor/ceil are exact, an integer symbol given by a `value:` is truncated
toward zero as `draw_symbol` does. z3 runs with a deterministic resource limit (`rlimit`) and
`timeout_ms` as a backstop. Caveat: nlsat's polynomial projections barely tick the resource
counter (a hard degree-6 instance used 39k of 5M units in 10 s), so on hard instances the timeout
fires first and only "unknown due to timeout" can depend on machine speed; "proved" and
"refuted" are checked results either way. Each call uses a fresh z3 context (about 3 ms), so
nothing leaks between claims. z3 is imported lazily.
"""

from .language import SUPPORTED
from .prove import closed_within, smt_prove
