"""The validated claim: what the rest of the pipeline works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from verify.expr import nodes as N

KINDS = ("definition", "lemma", "proposition", "theorem", "corollary", "example", "derivation-step")
SYMBOL_TYPES = ("real", "integer", "matrix", "vector", "index", "operator")


@dataclass
class SymbolSpec:
    name: str
    type: str                                   # one of SYMBOL_TYPES
    shape: Optional[tuple[N.Node, N.Node]] = None   # matrix / vector
    range: Optional[tuple[N.Node, N.Node]] = None   # real / integer
    positive: bool = False
    sampler: Optional[str] = None
    sampler_args: Any = None
    value: Optional[N.Node] = None              # a fixed value
    latex: str = ""
    line: int = 0

    def describe(self) -> str:
        if self.type in ("index", "operator"):
            return self.type
        if self.value is not None:
            return "fixed value"
        args = "" if self.sampler_args is None else f" {self.sampler_args}"
        return f"{self.sampler}{args}"


@dataclass
class Hypothesis:
    name: str
    latex: str
    text: str
    node: N.Node
    line: int = 0


@dataclass
class CheckSpec:
    kind: str
    index: int
    name: str
    text: Any                  # the expression(s) as written
    nodes: Any                 # parsed trees (kind-specific)
    options: dict = field(default_factory=dict)
    line: int = 0


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
    symbols: dict[str, SymbolSpec] = field(default_factory=dict)
    defines: dict = field(default_factory=dict)
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
