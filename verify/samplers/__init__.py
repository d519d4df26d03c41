"""Samplers: seeded, exact (rational) random instances of a symbol's type.

A sampler is one `@sampler` function `draw(rng, shape, args, i) -> value` (registered in
`verify.samplers.registry` with its facts) where `shape` is None for scalars or (rows, cols),
`args` the evaluated arguments (Fractions, lists of Fractions), and `i` the draw number (early
draws may return structured values: boundaries, simple fractions). Values are `Fraction`s,
`int`s, or lists of lists of Fractions, so that SymPy and mpmath see exactly the same numbers at
every precision. Each family below registers its samplers when imported.
"""

from verify.samplers import basic, structured  # noqa: F401  (registration)
from verify.samplers.registry import SAMPLERS, Sampler, facts, sampler  # noqa: F401
