"""Validation: loaded YAML data -> a `Claim`, or located problems with suggestions.

Two passes, as Tavern does: the JSON Schema first (shapes, keys, types), then the semantic
checks here (expressions parse, names are declared, samplers exist, cited ids are used).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

from verify.checks.registry import CHECKS, option_keys
from verify.errors import ClaimFileError, EvalError, ExprError, LimitExceeded, Problem, did_you_mean
from verify.expr import nodes as N
from verify.expr.parser import DEF_RE, check_name, parse, parse_definitions
from verify.instances import const_value
from verify.load import mark_of
from verify.model import CheckSpec, Claim, DefineEntry, Hypothesis, NecessityCase, SymbolSpec
from verify.samplers import SAMPLERS

DEFAULT_SAMPLER = {"real": "uniform", "integer": "integer", "matrix": "gaussian", "vector": "gaussian"}


class Located(Exception):
    """An ExprError pinned to a path of the claim file."""

    def __init__(self, path: tuple, exc: ExprError):
        self.path, self.exc = path, exc


class ClaimBuilder:
    """Builds one Claim; `problems` collects every located error found on the way."""

    def __init__(self, data: dict, marks: dict, file: str):
        self.data, self.marks, self.file = data, marks, file
        self.problems: list[Problem] = []
        self.names: set[str] = set()
        self.defines: dict = {}
        self.claim_symbols: dict = {}

    # -- locating -----------------------------------------------------------------------------
    def problem(self, path: tuple, message: str, hint: str = "") -> None:
        line, col = self._pos(path)
        self.problems.append(Problem(self.file, line, col, message, hint))

    def _pos(self, path: tuple) -> tuple[int, int]:
        return mark_of(self.marks, path)

    def parse_at(self, path: tuple, text, extra_names=()) -> N.Node:
        try:
            return parse(text, self.names | set(extra_names), self.defines)
        except ExprError as exc:
            raise Located(path, exc) from None

    def folded(self, text, extra_names=()) -> Optional[N.Node]:
        """`text` parsed for display, `define` names kept as names (None when that fails)."""
        try:
            return parse(text, self.names | set(extra_names), self.defines, fold=True)
        except ExprError:
            return None

    def define_entries(self, entries: list[tuple]) -> list[DefineEntry]:
        """Each definition for display, with the text of the entry that made it (the last of its name)."""
        texts = {m.group(1): text for key, text in entries if (m := DEF_RE.match(str(key)))}
        out = []
        for name, d in self.defines.items():
            head = name + (f"({', '.join(d.params)})" if d.params else "")
            text = texts[name]
            out.append(DefineEntry(head, str(text), self.folded(head, d.params), self.folded(text, d.params)))
        return out

    def guarded(self, path: tuple, fn, *args):
        """Run fn; record a located problem instead of raising."""
        try:
            return fn(*args)
        except Located as loc:
            where = f" (column {loc.exc.col} of the expression)" if loc.exc.col > 0 else ""
            self.problem(loc.path, loc.exc.message + where, loc.exc.hint)
        except ExprError as exc:
            self.problem(path, exc.message, exc.hint)
        except (EvalError, LimitExceeded) as exc:
            self.problem(path, str(exc))
        return None

    # -- sections -----------------------------------------------------------------------------
    def build(self) -> Optional[Claim]:
        d = self.data
        claim = Claim(id=d["id"], kind=d["kind"], title=d["title"], statement=d["statement"],
                      source=d["source"], file=self.file, line=1, uses=list(d.get("uses", [])),
                      expect=d.get("expect", "holds"), corrected_by=d.get("corrected_by"),
                      erratum=d.get("erratum"), errata=list(d.get("errata", [])),
                      notes=d.get("notes", ""), scope=d.get("scope", ""), marks=self.marks, raw=d)
        self.guarded(("id",), check_name, claim.id, "claim id")
        if claim.expect == "fails" and not claim.corrected_by:
            self.problem(("expect",), "a claim with expect: fails needs corrected_by: <id of the corrected claim>")
        raw_symbols = d.get("symbols", {})
        self.names = set(raw_symbols)
        self.claim_symbols = claim.symbols
        for name, decl in raw_symbols.items():
            spec = self.guarded(("symbols", name), self.symbol, name, decl, ("symbols", name))
            if spec is not None:
                claim.symbols[name] = spec
        defs = list(d.get("define", {}).items())
        try:
            self.defines = parse_definitions(defs, self.names)
        except ExprError as exc:
            key = getattr(exc, "key", None)
            self.problem(("define", key) if key is not None else ("define",), exc.message, exc.hint)
        claim.defines, claim.define_entries = self.defines, self.define_entries(defs)
        for i, h in enumerate(d.get("assume", [])):
            node = self.guarded(("assume", i, "expr"), self.parse_at, ("assume", i, "expr"), h["expr"])
            if node is not None:
                claim.assume.append(Hypothesis(h["name"], h.get("latex", ""), h["expr"], node,
                                               self._pos(("assume", i))[0], self.folded(h["expr"])))
        hyp_names = [h["name"] for h in d.get("assume", [])]
        if len(set(hyp_names)) != len(hyp_names):
            self.problem(("assume",), "two hypotheses have the same name")
        for i, entry in enumerate(d.get("checks", [])):
            spec = self.guarded(("checks", i), self.check, claim, i, entry)
            if spec is not None:
                claim.checks.append(spec)
        for i, entry in enumerate(d.get("necessity", [])):
            case = self.guarded(("necessity", i), self.necessity, claim, i, entry, hyp_names)
            if case is not None:
                claim.necessity.append(case)
        return None if self.problems else claim

    def symbol(self, name: str, decl: Any, path: tuple) -> SymbolSpec:
        check_name(name, "symbol name")
        if decl in ("index", "operator"):
            return SymbolSpec(name, decl, line=self._pos(path)[0])
        types = [t for t in ("real", "integer", "matrix", "vector") if t in decl]
        typ = types[0]
        spec = SymbolSpec(name, typ, latex=decl.get("latex", ""), positive=bool(decl.get("positive")),
                          line=self._pos(path)[0], narrow=decl.get("narrow", ""))
        arg = decl[typ]
        if typ in ("real", "integer"):
            if arg == "positive":
                spec.positive = True
                spec.sampler, spec.sampler_args = "loguniform", [N.Num(Fraction(1, 10)), N.Num(Fraction(10))]
            elif isinstance(arg, list) and len(arg) == 2:
                spec.range = tuple(self.parse_at(path + (typ, k), a) for k, a in enumerate(arg))
            elif arg not in ("real", "any", True):
                raise ExprError(f"{typ}: expected [lo, hi] or 'positive'")
        elif typ == "matrix":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise ExprError("matrix: expected [rows, cols]")
            spec.shape = tuple(self.parse_at(path + ("matrix", k), a) for k, a in enumerate(arg))
        else:
            spec.shape = (self.parse_at(path + ("vector",), arg), N.Num(Fraction(1)))
        if "value" in decl:
            spec.value = self.value_node(path + ("value",), decl["value"])
        if "sample" in decl:
            (sname, sargs), = decl["sample"].items()
            sampler = SAMPLERS.get(sname)
            if sampler is None:
                raise Located(path + ("sample",), ExprError(
                    f"unknown sampler {sname!r}{did_you_mean(sname, SAMPLERS)}",
                    "`verify samplers` lists them"))
            if typ not in sampler.types:
                raise Located(path + ("sample",), ExprError(
                    f"sampler {sname} cannot draw a {typ}", f"it draws: {', '.join(sampler.types)}"))
            spec.sampler, spec.sampler_args = sname, self.args_nodes(path + ("sample", sname), sargs)
        elif spec.sampler is None:
            spec.sampler = DEFAULT_SAMPLER[typ]
            if typ == "real" and spec.range is None:
                spec.sampler_args = [N.Num(Fraction(-3)), N.Num(Fraction(3))]
            if typ == "integer" and spec.range is None and spec.value is None:
                raise ExprError(f"integer symbol {name} needs a range [lo, hi] or a value")
        return spec

    def args_nodes(self, path, args):
        if args is None or args == {}:
            return None
        if isinstance(args, list):
            return [self.args_nodes(path + (k,), a) for k, a in enumerate(args)]
        return self.parse_at(path, args)

    def value_node(self, path, value) -> N.Node:
        if isinstance(value, list):
            rows = value if value and isinstance(value[0], list) else [[v] for v in value]
            if not rows or any(not isinstance(r, list) or len(r) != len(rows[0]) or not r for r in rows):
                raise Located(path, ExprError("a matrix value needs rows of equal, non-zero length",
                                              "write [[1, 2], [3, 4]], or [1, 2] for a vector"))
            flat = [self.parse_at(path, x) for r in rows for x in r]
            return N.Call("matrix", (N.Num(Fraction(len(rows))), N.Num(Fraction(len(rows[0])))) + tuple(flat))
        return self.parse_at(path, value)

    def check(self, claim: Claim, i: int, entry: dict) -> CheckSpec:
        kinds = [k for k in entry if k in CHECKS]
        if len(kinds) != 1:
            unknown = [k for k in entry if k not in option_keys()]
            hint = did_you_mean(unknown[0], CHECKS) if unknown else ""
            raise Located(("checks", i), ExprError(
                f"a check needs exactly one kind among {', '.join(sorted(CHECKS))}{hint}"))
        kind = kinds[0]
        if "for" in entry and "for" not in CHECKS[kind].options:  # no option is ignored in silence
            raise Located(("checks", i, "for"), ExprError(
                f"for: loops only in symbolic checks; a {kind} check draws its integer symbols",
                "give the symbol a sampler over the values (integer: [lo, hi]), or fix one with dims:"))
        unread = [k for k in entry if k != kind and k not in CHECKS[kind].options]
        if unread:  # an option of another kind would be ignored in silence: say so
            takers = sorted(k for k, c in CHECKS.items() if unread[0] in c.options)
            raise Located(("checks", i, unread[0]), ExprError(
                f"{unread[0]}: not an option of {kind} checks (it is read by {', '.join(takers)} checks)",
                f"a {kind} check reads: {', '.join(o for o in CHECKS[kind].options if o != 'engine')}"
                + ("; explicit instances are checked by an exact check: add one with instances:"
                   if unread[0] == "instances" else "")))
        ctx = _PrepareCtx(self, ("checks", i), i, kind)
        spec = CHECKS[kind].prepare(entry, claim, ctx)
        spec.shown = tuple(ctx.shown)
        return spec

    def necessity(self, claim: Claim, i: int, entry: dict, hyp_names: list[str]) -> NecessityCase:
        path = ("necessity", i)
        drop = entry["drop"]
        if drop not in hyp_names:
            raise Located(path + ("drop",), ExprError(
                f"drop: {drop!r} is not a hypothesis of this claim{did_you_mean(drop, hyp_names)}",
                "name one of the hypotheses under assume:"))
        case = NecessityCase(drop, why=entry.get("why", ""), n=entry.get("n", 30), line=self._pos(path)[0])
        if "instance" in entry:
            case.instance = self.instance(entry["instance"], path + ("instance",))
        if "sample" in entry:
            case.sample = {}
            for name, sampler in entry["sample"].items():
                if name not in claim.symbols:
                    raise Located(path + ("sample", name), ExprError(
                        f"sample: {name!r} is not a symbol{did_you_mean(name, claim.symbols)}"))
                case.sample[name] = self.symbol(name, {**self.data["symbols"][name], "sample": sampler},
                                                path + ("sample", name))
        if case.instance is None and case.sample is None:
            raise Located(path, ExprError("a necessity case needs instance: or sample:"))
        return case


    def instance(self, values: dict, path: tuple) -> dict:
        """Explicit values {symbol: number, 'expression', [list], [[matrix]]} as exact values."""
        symbols = self.claim_symbols
        out: dict = {}
        for name, val in values.items():
            if name not in symbols:
                raise Located(path + (name,), ExprError(
                    f"{name!r} is not a symbol of this claim{did_you_mean(name, symbols)}"))
            node = self.value_node(path + (name,), val)
            v = const_value(node, out)
            typ = symbols[name].type
            if typ in ("index", "operator"):
                raise Located(path + (name,), ExprError(f"{name} is an {typ}: it takes no value"))
            if (typ in ("matrix", "vector")) != isinstance(v, list):
                want = "a matrix [[...], ...] or vector [...]" if typ in ("matrix", "vector") else "a number"
                raise Located(path + (name,), ExprError(f"{name} is a {typ} symbol: its value must be {want}"))
            if typ == "integer":
                if v != int(v):
                    raise Located(path + (name,), ExprError(f"{name} is an integer symbol, got {v}"))
                v = int(v)
            out[name] = v
        return out


class _PrepareCtx:
    """What a check kind's `prepare` gets: parsing that knows where it is in the file."""

    def __init__(self, builder: ClaimBuilder, path: tuple, index: int, kind: str):
        self.b, self.path, self.index, self.kind = builder, path, index, kind
        self.line = builder._pos(path)[0]
        self.shown: list[Optional[N.Node]] = []   # each parsed expression for display, in order

    def parse(self, text) -> N.Node:
        node = self.b.parse_at(self.path + (self.kind,), text)
        self.shown.append(self.b.folded(text))
        return node

    def parse_symbol(self, name, decl) -> SymbolSpec:
        return self.b.symbol(name, decl, self.path + ("symbols", name))

    def instance(self, i: int, values) -> dict:
        """An explicit instance {symbol: value} as exact values."""
        return self.b.instance(values, self.path + ("instances", i))


def build_claim(data: Any, marks: dict, file: str, schema_ok: bool = False) -> tuple[Optional[Claim], list[Problem]]:
    """Schema pass (skipped when `schema_ok`: these exact bytes passed it before), then the
    semantic pass. Returns the claim or the problems."""
    if not schema_ok:
        from verify.schema import schema_problems
        problems = schema_problems(data, marks, file)
        if problems:
            return None, problems
    builder = ClaimBuilder(data, marks, file)
    claim = builder.build()
    return claim, builder.problems


def load_claim(path: Path, display: Optional[str] = None) -> tuple[Optional[Claim], list[Problem]]:
    """Read, load and validate one claim file (no schema pass for bytes that passed it before)."""
    from verify.cache import SCHEMA_PASSED, schema_digest
    from verify.load import load_yaml_bytes, read_regular_file
    file = display or str(path)
    try:
        raw = read_regular_file(Path(path), file)
        data, marks = load_yaml_bytes(raw, file)
    except ClaimFileError as exc:
        return None, exc.problems
    digest = schema_digest(raw)
    claim, problems = build_claim(data, marks, file, schema_ok=digest in SCHEMA_PASSED)
    if claim is not None:
        SCHEMA_PASSED.add(digest)
    return claim, problems
