"""The check-kind registry: each `@check_kind` registration carries the kind's facts.

A kind is one module with a JSON Schema fragment (`SCHEMA`, merged into the claim schema), a
`prepare(entry, claim, ctx) -> CheckSpec` and the registered `run(spec, claim, settings) -> dict`.
Its facts: the option keys it reads, the engine that decides it by default, whether mutation
testing mutates it, and `conclusion(spec)`, the relation a necessity case must break (if any).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional

from verify.errors import ExprError
from verify.expr import nodes as N
from verify.model import CheckSpec, Claim, SymbolSpec

#: the options every sampling kind reads (`engine` is accepted and not read)
SHARED_OPTIONS = ("name", "n", "dims", "symbols", "precision", "max_draws", "search", "undecided_ok", "engine")


@dataclass
class Settings:
    """What a run fixes for every check: the seed, the precisions, default sample sizes."""

    seed: int
    precisions: tuple[int, ...] = (50, 80)
    default_n: int = 30
    draw_factor: int = 20        # max draws = factor * n (hypotheses reject the rest)
    certify: bool = True         # z3 for all values, exact / arb certificates at the instances
    search: int = 40             # local-search evaluations per inequality check (at most n unless set)


@dataclass(frozen=True)
class CheckKind:
    name: str
    doc: str
    prepare: Callable[[dict, Claim, Any], CheckSpec]
    run: Callable[[CheckSpec, Claim, Settings], dict]
    schema: dict
    example: str = ""
    options: tuple[str, ...] = SHARED_OPTIONS
    engine: Optional[str] = None      # what decides it unless a stronger engine did
    mutated: bool = False             # mutation testing makes wrong variants of it
    conclusion: Optional[Callable[[CheckSpec], Optional[N.Node]]] = None


CHECKS: dict[str, CheckKind] = {}


def check_kind(name: str, example: str, options: tuple[str, ...] = SHARED_OPTIONS, engine: Optional[str] = None,
               mutated: bool = False, conclusion: Optional[Callable] = None):
    """Register a module's `prepare`, `SCHEMA` and the decorated `run` as the check kind `name`."""

    def deco(module_run):
        mod = sys.modules[module_run.__module__]
        CHECKS[name] = CheckKind(name, (mod.__doc__ or "").strip(), mod.prepare, module_run, mod.SCHEMA,
                                 example, options, engine, mutated, conclusion)
        return module_run

    return deco


def option_keys() -> set[str]:
    """Every option key some kind reads."""
    return {k for kind in CHECKS.values() for k in kind.options}


def relation(spec: CheckSpec) -> N.Node:
    """A kind's conclusion when its check is one relation."""
    return spec.nodes


def common_options(entry: dict, claim: Claim, parse_symbol: Callable) -> dict:
    """Options shared by all kinds, validated: n, dims, for, symbols, precision, max_draws."""
    opts: dict[str, Any] = {}
    _integer(entry, "n", 1, 100_000, opts)
    for key in ("dims", "for"):
        if key in entry:
            val = entry[key]
            if not isinstance(val, dict):
                raise ExprError(f"{key} must map integer symbols to values")
            for sym, v in val.items():
                spec = claim.symbols.get(sym)
                if spec is None or spec.type != "integer":
                    raise ExprError(f"{key}: {sym!r} is not an integer symbol of this claim")
                ok = (isinstance(v, int) and key == "dims") or (
                    key == "for" and isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v))
                if not ok:
                    raise ExprError(f"{key}.{sym} must be " + ("an integer" if key == "dims" else "[lo, hi]"))
                if key == "for" and v[1] - v[0] > 200:
                    raise ExprError(f"for.{sym} loops over {v[1] - v[0] + 1} values", "at most 201")
            opts[key] = dict(val)
    if "symbols" in entry:
        val = entry["symbols"]
        if not isinstance(val, dict):
            raise ExprError("symbols (in a check) must map names to symbol declarations")
        overrides = {}
        for sym, decl in val.items():
            if sym not in claim.symbols:
                raise ExprError(f"symbols: {sym!r} is not declared in the claim's symbols")
            overrides[sym] = parse_symbol(sym, decl)
        opts["symbols"] = overrides
    if "precision" in entry:
        p = entry["precision"]
        if not (isinstance(p, list) and len(p) >= 2 and all(isinstance(x, int) and 15 <= x <= 2000 for x in p)):
            raise ExprError("precision must be a list of at least two digit counts, each 15..2000")
        opts["precision"] = tuple(p)
    _integer(entry, "search", 0, 100_000, opts, " (0: no local search)")
    if "undecided_ok" in entry:
        why = entry["undecided_ok"]
        if not isinstance(why, str) or len(why.strip()) < 10:
            raise ExprError("undecided_ok must say, in words, why an undecided outcome is acceptable here")
        opts["undecided_ok"] = why.strip()
    _integer(entry, "max_draws", 1, 1_000_000, opts)
    return opts


def _integer(entry: dict, key: str, lo: int, hi: int, opts: dict, note: str = "") -> None:
    """Copy the integer option `key` into `opts`, if given and in [lo, hi]."""
    if key in entry:
        v = entry[key]
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise ExprError(f"{key} must be an integer from {lo} to {hi}{note}")
        opts[key] = v


def symbols_for(claim: Claim, spec: CheckSpec) -> dict[str, SymbolSpec]:
    """The claim's symbols with this check's overrides applied."""
    out = dict(claim.symbols)
    out.update(spec.options.get("symbols", {}))
    return out
