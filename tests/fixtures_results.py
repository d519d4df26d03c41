"""A hand-made results document (docs/results-format.md) for the report tests.

Seven claims: a chain operator_norm -> neumann_telescoping -> neumann_series_limit ->
escape_time_bound_strict_saddle -> saddle_escape_example, a refuted `expect: fails` claim
(neumann_limit_as_written, corrected by neumann_series_limit) that the escape-time proposition
rests on, and an error claim. One title carries a script tag to test escaping, one statement
carries broken LaTeX to test the fallback.
"""

from __future__ import annotations

import copy
from typing import Any

XSS_TITLE = "Escaping <script>alert(1)</script> & friends"


def _claim(cid: str, kind: str, title: str, statement: str, note: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": cid, "kind": kind, "title": title, "statement": statement,
        "file": f"claims/{cid}.yaml", "line": 1,
        "source": {"note": note, "section": "\u00a71", "quote": "as in the note"},
        "uses": [], "used_by": [], "expect": "holds", "corrected_by": None, "corrects": [],
        "erratum": None, "errata": [], "notes": "", "status": "proved", "as_expected": True,
        "foundation": {"status": "sound", "weak": []}, "seed": 1234,
        "replay": f"verify check {cid} --seed 1234", "duration_s": 0.1,
        "symbols": {}, "assume": [], "checks": [], "necessity": [], "message": None,
    }
    base.update(extra)
    return base


_NUMERIC_OK = {
    "kind": "numeric", "name": "error bound",
    "expr": "opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))",
    "checked_latex": r"\left\|(I - A)^{-1} - \sum_{k=0}^{N} A^{k}\right\|_{op} \leq \frac{\|A\|_{op}^{N + 1}}{1 - \|A\|_{op}}",
    "outcome": "supported", "rung": "numeric",
    "message": "40 instances agreed at 50 and 80 digits; worst margin 1.2e-3",
    "evidence": {"drawn": 52, "rejected": 12, "checked": 40, "undecided": 0,
                 "precisions": [50, 80], "worst_margin": "1.2e-3", "worst_residual": None,
                 "scope": "N = 0..6"},
    "counterexample": None, "steps": [],
}

_CX = {"values": {"A": "[[3/2]]", "N": "5"},
       "values_latex": {"A": r"\begin{pmatrix} \frac{3}{2} \end{pmatrix}", "N": "5"},
       "lhs": "4.5", "rhs": "-3", "margin": "-7.5", "shrunk": True}


def make_results() -> dict[str, Any]:
    """A fresh copy of the fixture (tests may mutate it)."""
    claims = [
        _claim("operator_norm", "definition", "The operator norm", r"\|A\|_{op} = \sigma_{\max}(A)",
               "000_a5c604ccae0ab764.txt",
               used_by=["neumann_telescoping", "neumann_series_limit", "deep_linear_gradient_formula"],
               checks=[{"kind": "symbolic", "name": "definition", "expr": "opnorm(A) == sigma_max(A)",
                        "checked_latex": r"\|A\|_{op} = \sigma_{\max}(A)", "outcome": "proved",
                        "rung": "symbolic", "message": "simplified to zero", "evidence": {},
                        "counterexample": None}]),
        _claim("neumann_telescoping", "derivation-step", "Telescoping product",
               r"(I - A)\sum_{k=0}^{N} A^k = I - A^{N+1}", "000_a5c604ccae0ab764.txt",
               uses=["operator_norm"], used_by=["neumann_series_limit"],
               checks=[{"kind": "symbolic", "name": "telescoping", "expr": "(I - A) * S(N) == I - A**(N + 1)",
                        "checked_latex": r"(I - A) \sum_{k=0}^{N} A^{k} = I - A^{N + 1}",
                        "outcome": "proved", "rung": "symbolic",
                        "message": "difference simplified to 0 for N = 0..6",
                        "evidence": {"scope": "N = 0..6"}, "counterexample": None}]),
        _claim("neumann_series_limit", "lemma",
               "Partial sums of the Neumann series converge to (I - A)^{-1}",
               r"\|A\|_{op} < 1 \implies \left\|(I-A)^{-1} - \sum_{k=0}^{N} A^k\right\|_{op} \le \frac{\|A\|_{op}^{N+1}}{1-\|A\|_{op}}",
               "000_a5c604ccae0ab764.txt", status="supported",
               uses=["operator_norm", "neumann_telescoping"],
               used_by=["escape_time_bound_strict_saddle"], corrects=["neumann_limit_as_written"],
               errata=[{"id": "E09", "kind": "proof-gap", "text": "the proof only shows (I-A) S_N -> I"}],
               reading_order=["operator_norm", "neumann_telescoping"],
               symbols={"A": {"type": "matrix", "shape": ["d", "d"],
                              "sampler": "spectral_norm [0.1, 0.95]", "latex": "A"},
                        "N": {"type": "integer", "sampler": "integer [0, 40]", "latex": "N"}},
               assume=[{"name": "contraction", "latex": r"\|A\|_{op} < 1", "expr": "opnorm(A) < 1",
                        "checked_latex": r"\left\|A\right\|_{op} < 1"}],
               checks=[_NUMERIC_OK, {
                   "kind": "calc", "name": "bound by telescoping",
                   "expr": ["opnorm(inv(I - A) - S(N))", "opnorm(inv(I - A) * A**(N + 1))",
                            "opnorm(inv(I - A)) * opnorm(A)**(N + 1)"],
                   "checked_latex": r"\left\|(I - A)^{-1} - S_N\right\|",
                   "first_latex": r"\left\|(I - A)^{-1} - S_N\right\|",
                   "outcome": "supported", "rung": "numeric", "message": "2 steps, all supported",
                   "evidence": {"checked": 30, "precisions": [50, 80]}, "counterexample": None,
                   "steps": [
                       {"rel": "==", "expr": "opnorm(inv(I - A) * A**(N + 1))",
                        "checked_latex": r"\left\|(I - A)^{-1} A^{N + 1}\right\|",
                        "by": "neumann_telescoping", "why": "telescoping", "outcome": "supported",
                        "message": "holds on 30 instances", "worst_margin": "0", "counterexample": None},
                       {"rel": "<=", "expr": "opnorm(inv(I - A)) * opnorm(A)**(N + 1)",
                        "checked_latex": r"\left\|(I - A)^{-1}\right\| \|A\|^{N + 1}",
                        "by": None, "why": "", "outcome": "supported", "message": "holds on 30 instances",
                        "worst_margin": "2.5e-2", "counterexample": None}]}],
               necessity=[{"drop": "contraction", "hypothesis_latex": r"\|A\|_{op}<1",
                           "why": "partial sums diverge", "outcome": "needed",
                           "message": "the conclusion fails on the instance below",
                           "counterexample": _CX}]),
        _claim("neumann_limit_as_written", "lemma", "The Neumann bound as the note writes it",
               r"\left\|(I-A)^{-1} - \sum_{k=0}^{N} A^k\right\| \le \|A\|^{N}", "000_a5c604ccae0ab764.txt",
               status="refuted", expect="fails", corrected_by="neumann_series_limit", erratum="E10",
               used_by=["escape_time_bound_strict_saddle"],
               checks=[dict(_NUMERIC_OK, outcome="refuted", name="as written",
                            message="fails at the instance below", counterexample=_CX)]),
        _claim("escape_time_bound_strict_saddle", "proposition", "Escape time from a strict saddle",
               r"T \le \frac{\log(1/\epsilon)}{\log(1 + \eta\gamma)}", "004_7f289b81e43d985a.txt",
               status="supported", uses=["neumann_series_limit", "neumann_limit_as_written"],
               used_by=["saddle_escape_example"],
               foundation={"status": "rests-on", "weak": ["neumann_limit_as_written"]},
               checks=[dict(_NUMERIC_OK, name="escape bound", message="30 instances agreed")]),
        _claim("saddle_escape_example", "example", XSS_TITLE, r"\frac{1", "004_7f289b81e43d985a.txt",
               status="supported", uses=["escape_time_bound_strict_saddle"],
               foundation={"status": "rests-on", "weak": ["neumann_limit_as_written"]},
               notes="<b>not bold</b>", checks=[dict(_NUMERIC_OK, name="instance")]),
        _claim("deep_linear_gradient_formula", "theorem", "Gradient of a deep linear network",
               r"\nabla_{W_i} L = (W_{i+1:N})^\top \nabla L (W_{1:i-1})^\top", "002_b1.txt",
               status="error", as_expected=False, uses=["operator_norm"],
               message="check 1 raised ShapeError: shapes 3x2 and 3x2 do not multiply; fix dims",
               checks=[{"kind": "numeric", "name": "gradient", "expr": "grad(L, W1) == W2.T",
                        "checked_latex": None, "outcome": "error", "rung": None,
                        "message": "ShapeError", "evidence": None, "counterexample": None}]),
    ]
    edges = [[u, c["id"]] for c in claims for u in c["uses"]]
    by_status: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for c in claims:
        by_status[c["status"]] = by_status.get(c["status"], 0) + 1
        by_kind[c["kind"]] = by_kind.get(c["kind"], 0) + 1
    doc = {
        "schema_version": 1,
        "tool": {"verify": "0.1.0", "python": "3.11.7", "sympy": "1.14.0", "mpmath": "1.3.0",
                 "mpmath_backend": "gmpy", "networkx": "3.6.1"},
        "run": {"command": "verify all", "claims_dir": "claims", "seed": None,
                "started": "2026-11-25T20:00:00Z", "duration_s": 12.3, "jobs": 2},
        "summary": {"total": len(claims), "by_status": by_status, "by_kind": by_kind,
                    "as_expected": 6, "unexpected": 1, "invalid_files": 1},
        "problems": [{"file": "claims/bad.yaml", "line": 3, "col": 5,
                      "message": "unknown key 'uess' (did you mean 'uses'?)",
                      "hint": "rename the key to 'uses'"}],
        "graph": {"edges": edges, "cycles": [], "dangling": []},
        "claims": sorted(claims, key=lambda c: c["id"]),
    }
    return copy.deepcopy(doc)


RESULTS = make_results()
