"""The validated claim: what the rest of the pipeline works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from verify.expr import nodes as N


@dataclass
class SymbolSpec:
    name: str
    type: str                                   # real | integer | matrix | vector | index | operator
    shape: Optional[tuple[N.Node, N.Node]] = None   # matrix / vector
    range: Optional[tuple[N.Node, N.Node]] = None   # real / integer
    positive: bool = False
    sampler: Optional[str] = None
    sampler_args: Any = None
    value: Optional[N.Node] = None              # a fixed value
    latex: str = ""
    line: int = 0
    narrow: str = ""                            # why the sampler covers less than the hypotheses allow

    def params(self):
        """The sampler's parameters as written (a range counts as [lo, hi]); None if none is given."""
        return list(self.range) if self.sampler_args is None and self.range is not None else self.sampler_args

    def _args(self):
        """`params()`, None also when they are an empty list."""
        return None if self.params() == [] else self.params()

    def describe(self) -> str:
        """How the symbol is drawn, in the claim language: `uniform [0, 1/a]`."""
        if self.type in ("index", "operator"):
            return self.type
        if self.value is not None:
            return f"fixed value {N.text(self.value)}"
        args = self._args()
        return f"{self.sampler}" + ("" if args is None else f" {N.text(args)}")

    def describe_latex(self, names: Optional[dict] = None) -> str:
        """The same as LaTeX, parameters as math: `\\text{uniform } \\left[0, \\frac{1}{a}\\right]`;
        '' for index and operator symbols, or when printing fails (the text form remains)."""
        from verify.expr.latex import to_latex

        def tex(a) -> str:
            if isinstance(a, list):
                if a and all(isinstance(r, list) for r in a) and \
                        all(not isinstance(x, list) for r in a for x in r):
                    rows = r" \\ ".join(" & ".join(tex(x) for x in r) for r in a)
                    return r"\begin{pmatrix}" + rows + r"\end{pmatrix}"
                return r"\left[" + ", ".join(tex(x) for x in a) + r"\right]"
            return to_latex(a, names)
        args, name = self._args(), str(self.sampler).replace("_", " ")
        try:
            if self.type in ("index", "operator"):
                return ""
            if self.value is not None:
                return r"\text{fixed: } " + tex(self.value)
            if args is None:
                return rf"\text{{{name}}}"
            if self.sampler == "choice" and isinstance(args, list):
                return rf"\text{{one of }} \left\{{" + ", ".join(tex(x) for x in args) + r"\right\}"
            return rf"\text{{{name} }} " + tex(args)
        except Exception:  # noqa: BLE001 - printing must never lose a result
            return ""


@dataclass
class Hypothesis:
    name: str
    latex: str
    text: str
    node: N.Node
    line: int = 0
    shown: Optional[N.Node] = None      # the tree for display: `define` names kept (parse's fold)


@dataclass
class CheckSpec:
    kind: str
    index: int
    name: str
    text: Any                  # the expression(s) as written
    nodes: Any                 # parsed trees (kind-specific)
    options: dict = field(default_factory=dict)
    line: int = 0
    shown: tuple = ()          # the trees for display of the expressions it parsed, in order (calc: each term)


@dataclass
class DefineEntry:
    """A `define` entry for display: `name(params)`, its body as written, both as folded trees."""
    head: str
    text: str
    head_tree: Optional[N.Node]
    body_tree: Optional[N.Node]


@dataclass
class NecessityCase:
    drop: str
    instance: Optional[dict] = None      # symbol -> exact value
    sample: Optional[dict] = None        # symbol -> SymbolSpec override
    why: str = ""
    n: int = 30
    line: int = 0


@dataclass
class Claim:
    id: str
    kind: str
    title: str
    statement: str
    source: dict
    file: str
    line: int = 1
    uses: list[str] = field(default_factory=list)
    expect: str = "holds"
    corrected_by: Optional[str] = None
    erratum: Optional[str] = None
    errata: list[dict] = field(default_factory=list)
    notes: str = ""
    scope: str = ""                             # what the checks cover: "N = 2..4; d <= 3"
    symbols: dict[str, SymbolSpec] = field(default_factory=dict)
    defines: dict = field(default_factory=dict)
    define_entries: list[DefineEntry] = field(default_factory=list)
    assume: list[Hypothesis] = field(default_factory=list)
    checks: list[CheckSpec] = field(default_factory=list)
    necessity: list[NecessityCase] = field(default_factory=list)
    marks: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)

    def line_of(self, *path) -> int:
        """The YAML line of a path in this claim's file (0 if unknown)."""
        while path:
            if path in self.marks:
                return self.marks[path][0]
            path = path[:-1]
        return self.line
