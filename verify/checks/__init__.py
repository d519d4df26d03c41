"""Check kinds: each is one module that registers a `CheckKind` with `@check_kind`.

A kind owns its JSON Schema fragment (`SCHEMA`, merged into the claim schema), `prepare`s its YAML entry (parsing expressions at validation time, so errors carry the
file and line) and `run`s it on a claim, returning the CHECK record of docs/results-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from verify.errors import ExprError
from verify.model import CheckSpec, Claim, SymbolSpec

OPTION_KEYS = ("name", "n", "dims", "for", "symbols", "precision", "max_draws", "engine", "instances",
               "rate", "confidence", "over", "data_sets", "reason", "search", "undecided_ok")


@dataclass
class Settings:
    """What a run fixes for every check: the seed, the precisions, default sample sizes."""

    seed: int
    precisions: tuple[int, ...] = (50, 80)
    default_n: int = 30
    draw_factor: int = 20        # max draws = factor * n (hypotheses reject the rest)
    max_dps: int = 2000
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


CHECKS: dict[str, CheckKind] = {}


def check_kind(name: str, example: str = ""):
    """Register a module's `prepare` and `run` as the check kind `name`."""

    def deco(module_run):
        import sys
        mod = sys.modules[module_run.__module__]
        CHECKS[name] = CheckKind(name, (mod.__doc__ or "").strip(), mod.prepare, module_run,
                                 mod.SCHEMA, example)
        return module_run

    return deco


def common_options(entry: dict, claim: Claim, parse_symbol: Callable) -> dict:
    """Options shared by all kinds, validated: n, dims, for, symbols, precision, max_draws."""
    opts: dict[str, Any] = {}
    if "n" in entry:
        n = entry["n"]
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 100_000:
            raise ExprError("n must be an integer from 1 to 100000")
        opts["n"] = n
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
    if "search" in entry:
        b = entry["search"]
        if not isinstance(b, int) or isinstance(b, bool) or not 0 <= b <= 100_000:
            raise ExprError("search must be an integer from 0 to 100000 (0: no local search)")
        opts["search"] = b
    if "undecided_ok" in entry:
        why = entry["undecided_ok"]
        if not isinstance(why, str) or len(why.strip()) < 10:
            raise ExprError("undecided_ok must say, in words, why an undecided outcome is acceptable here")
        opts["undecided_ok"] = why.strip()
    if "max_draws" in entry:
        m = entry["max_draws"]
        if not isinstance(m, int) or not 1 <= m <= 1_000_000:
            raise ExprError("max_draws must be an integer from 1 to 1000000")
        opts["max_draws"] = m
    return opts


def symbols_for(claim: Claim, spec: CheckSpec) -> dict[str, SymbolSpec]:
    """The claim's symbols with this check's overrides applied."""
    out = dict(claim.symbols)
    out.update(spec.options.get("symbols", {}))
    return out


DEFAULT_ENGINE = {"symbolic": "sympy", "exact": "sympy exact", "numeric": "mpmath", "calc": "mpmath",
                  "statistical": "mpmath"}


def result(spec: CheckSpec, outcome: str, rung: str, message: str, **extra) -> dict:
    """A CHECK record (`engine`: what decided it; by default the kind's own engine)."""
    rec = {"kind": spec.kind, "name": spec.name, "expr": _text(spec.text), "outcome": outcome,
           "rung": rung, "message": message, "evidence": {}, "counterexample": None, "line": spec.line}
    if spec.kind in DEFAULT_ENGINE and outcome not in ("error", "timeout", "vacuous"):
        rec["engine"] = DEFAULT_ENGINE[spec.kind]
    rec.update(extra)
    if outcome == "undecided" and spec.options.get("undecided_ok"):
        rec["undecided_ok"] = spec.options["undecided_ok"]
    return rec


def _text(t) -> Any:
    if isinstance(t, (str, int, Fraction)):
        return str(t)
    return t


def exact_str(v) -> str:
    """An exact value as text: 3/2, [[1, 0], [0, 1]]."""
    if isinstance(v, list):
        return "[" + ", ".join(exact_str(x) for x in v) + "]"
    return str(v)


def exact_latex(v) -> str:
    """An exact value as LaTeX; long rationals are shown as 15-digit decimals with \\approx."""
    if isinstance(v, list):
        rows = v if v and isinstance(v[0], list) else [[x] for x in v]
        body = r" \\ ".join(" & ".join(_frac_latex(x) for x in r) for r in rows)
        return r"\begin{pmatrix}" + body + r"\end{pmatrix}"
    return _frac_latex(v)


def _frac_latex(x) -> str:
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    if x.denominator <= 10**6 and abs(x.numerator) <= 10**9:
        sign = "-" if x < 0 else ""
        return rf"{sign}\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
    return f"{float(x):.12g}"


def counterexample(values: dict, verdict=None, shrunk: bool = False, confirmed_by: str = "",
                   label: str = "counterexample") -> dict:
    """An instance shown in the report: a `counterexample` (a confirmed failure; `confirmed_by`
    names the engine), or an `instance` where evaluation failed, or an `unconfirmed` failure."""
    rec = {"values": {k: exact_str(v) for k, v in sorted(values.items())},
           "values_latex": {k: exact_latex(v) for k, v in sorted(values.items())},
           "shrunk": shrunk, "label": label}
    if confirmed_by:
        rec["confirmed_by"] = confirmed_by
    if verdict is not None:
        rec.update(lhs=verdict.lhs, rhs=verdict.rhs, margin=verdict.margin_str(),
                   residual=verdict.residual_str(), measure=verdict.describe())
    return rec


def certified_scope(instances: int, ev: dict) -> str:
    """What 'certified on instances' covers, in words: never to be mistaken for a proof."""
    searched = ev.get("search_evaluations")
    how = "seeded random instances satisfying the hypotheses"
    if searched:
        how += f", plus {searched} local-search candidates"
    best = ev.get("search_best_margin") or ev.get("worst_margin")
    tail = f"; tightest relative slack {best}" if best is not None else ""
    return f"certified at {instances} {how} (not a proof for all values){tail}"


from verify.checks import calc, cited, exact, numeric, statistical, symbolic  # noqa: E402,F401  (registration)
