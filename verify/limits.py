"""Bounds on what one claim may cost, checked before the work is done.

Each bound has a name; `verify all --limit NAME=VALUE` raises it (the parent sets it before the
workers fork, so they inherit it). Messages name the bound and that option.
"""

from __future__ import annotations

from verify.errors import LimitExceeded

LIMITS: dict[str, int] = {
    "max_dim": 64,             # rows or columns of any matrix built in an expression
    "max_draw_dim": 24,        # rows or columns of a sampled matrix
    "max_range": 100_000,      # terms of sum/prod/first, steps of iterate
    "max_power": 1_000_000,    # integer exponent of a numeric matrix power
    "max_exp_bits": 10_000_000,  # bits of an exact integer power (SymPy)
    "max_factorial": 10_000,   # argument of factorial
    "max_symbolic_entries": 400,  # entries of an explicit symbolic matrix
}


def check(name: str, what: str, value, shown=None) -> None:
    """Raise LimitExceeded when `value` exceeds the bound `name`."""
    limit = LIMITS[name]
    if value > limit:
        raise LimitExceeded(what, shown if shown is not None else value, limit, f"--limit {name}=N")


def set_limit(text: str) -> None:
    """Apply one `NAME=VALUE` from the command line."""
    name, _, value = text.partition("=")
    if name not in LIMITS or not value.isdigit():
        raise ValueError(f"--limit takes NAME=INTEGER with NAME one of {', '.join(sorted(LIMITS))}")
    LIMITS[name] = int(value)
