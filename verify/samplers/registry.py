"""The sampler registry: each `@sampler` registration carries the sampler's facts.

`bounded`: its arguments are `[lo, hi]` and every draw lies in them (a shrunk or searched
instance must stay there; z3 may assume it). `continuous`: a scalar draw may be moved by any small
rational step (local search). `z3`: how z3 states its domain: "interval" (`[lo, hi]`), "values"
(one of the listed arguments), "signs" (-1 or 1), "free" (no constraint), "" (inexpressible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class Sampler:
    name: str
    types: tuple[str, ...]  # symbol types it can produce
    doc: str
    draw: Callable
    args: str = ""          # a one-line description of its arguments
    bounded: bool = False
    continuous: bool = False
    z3: str = ""


SAMPLERS: dict[str, Sampler] = {}
_NONE = Sampler("", (), "", lambda *a: None)


def sampler(name: str, types: tuple[str, ...], args: str = "", bounded: bool = False,
            continuous: bool = False, z3: str = ""):
    """Register `draw(rng, shape, args, i)` as the sampler `name` with its facts."""
    def deco(fn):
        SAMPLERS[name] = Sampler(name, types, (fn.__doc__ or "").strip(), fn, args, bounded, continuous, z3)
        return fn
    return deco


def facts(name: Optional[str]) -> Sampler:
    """The sampler `name`, or a sampler with no facts (no sampler, or an unknown one)."""
    return SAMPLERS.get(name or "", _NONE)
