"""Writes the HTML report from a results document (docs/results-format.md), and only from it.

The site is built in a fresh folder beside `out_dir`, which then replaces `out_dir` as one unit
(see `verify.report.output`: locked, swapped in one step, a killed run repaired by the next one).
If anything fails while building, `out_dir` is left exactly as it was. Files in `out_dir` that
the report does not own (say a JUnit XML file) are carried over to the new folder.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import (ChainableUndefined, Environment, FileSystemLoader, Undefined,
                    select_autoescape)
from markupsafe import Markup

from .graph_svg import focus_svg, graph_svg, legend_html, page_name, status_text
from .layout import build_graph, drawn_edge_count
from . import math, output, statuses
from .digest import write_digest
from .math import to_mathml
from .note_text import render_inline
from .notes import build_notes, note_page_name
from .outline import REL_LATEX, proof_outline
from verify import sources
from verify.hints import error_hint

_HERE = Path(__file__).parent
_INDEX_GRAPH_LIMIT = 150  # above this many claims the index links to graph.html instead
_EVIDENCE_LABELS = [("confirmed_by", "refutation confirmed by"), ("near_miss", "closest approach"),
                    ("unconfirmed", "possible failure, not confirmed"), ("mostly_rejected", "hypotheses reject most draws"),
                    ("drawn", "instances drawn"), ("rejected", "rejected by the hypotheses"),
                    ("checked", "instances checked"), ("undecided", "undecided (inside tolerance)"),
                    ("precisions", "precisions (digits)"), ("worst_margin", "worst margin"),
                    ("worst_residual", "worst residual"), ("scope", "scope"),
                    ("proved_cases", "cases proved"), ("rejected_by", "rejected, by hypothesis"),
                    ("search_evaluations", "local-search evaluations"),
                    ("search_start_margin", "smallest margin before the search"),
                    ("search_best_margin", "smallest margin after the search"),
                    ("z3", "z3, for all values"), ("certified_instances", "instances certified"),
                    ("not_certified", "instances not certified")]
_KIND_ORDER = ["definition", "lemma", "derivation-step", "proposition", "theorem", "corollary",
               "example"]


def _natural_key(value: Any) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(value))]


def _evidence_rows(evidence: Any) -> list[tuple[str, str]]:
    """(label, value) rows for the keys that are present, known keys first."""
    if not isinstance(evidence, dict):
        return []
    rows = []
    known = dict(_EVIDENCE_LABELS)
    for key in list(known) + sorted(k for k in evidence if k not in known):
        value = evidence.get(key)
        if value is None or value == "" or (isinstance(value, (list, dict)) and not value):
            continue
        if isinstance(value, list):
            value = " and ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in sorted(value.items(), key=str))
        rows.append((known.get(key, key.replace("_", " ")), str(value)))
    return rows


def _cx_rows(cx: Any, claim: Any) -> list[dict[str, Any]]:
    """The counterexample's values, as `symbol = value` with the value rendered as math."""
    if not isinstance(cx, dict):
        return []
    values = cx.get("values") or {}
    latex = cx.get("values_latex") or {}
    symbols = (claim or {}).get("symbols") or {} if isinstance(claim, dict) else {}
    rows = []
    for name in sorted(set(values) | set(latex), key=_natural_key):
        sym = symbols.get(name) if isinstance(symbols.get(name), dict) else {}
        rows.append({"name": str(name),
                     "name_math": to_mathml(sym["latex"]) if sym.get("latex") else None,
                     "value_math": to_mathml(str(latex[name])) if latex.get(name) else None,
                     "raw": None if values.get(name) is None else str(values[name])})
    return rows


def _topo_order(g: nx.DiGraph) -> list[str]:
    """A deterministic topological order; members of a cycle stay together, sorted by id."""
    cond = nx.condensation(g)
    order: list[str] = []
    key = {c: min(map(str, cond.nodes[c]["members"])) for c in cond.nodes}
    for c in nx.lexicographical_topological_sort(cond, key=lambda c: key[c]):
        order.extend(sorted(map(str, cond.nodes[c]["members"])))
    return order


def make_environment() -> Environment:
    """The Jinja2 environment: autoescaped HTML templates, math filters, badge helpers."""
    env = Environment(loader=FileSystemLoader(str(_HERE / "templates")),
                      autoescape=select_autoescape(["html"], default_for_string=True),
                      undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["math"] = lambda s: to_mathml(s) if s else Markup("")
    env.filters["dmath"] = lambda s: to_mathml(s, display=True) if s else Markup("")
    env.filters["page"] = lambda cid: page_name(str(cid))
    env.filters["token"] = statuses.css_token
    env.filters["icon"] = statuses.icon
    env.filters["relmath"] = lambda rel: to_mathml(REL_LATEX.get(str(rel), str(rel)))
    env.filters["notetext"] = render_inline
    env.filters["notepage"] = note_page_name
    env.tests["present"] = lambda v: not (v is None or isinstance(v, Undefined) or v in ("", [], {}))
    env.globals.update(evidence_rows=_evidence_rows, cx_rows=_cx_rows, status_text=status_text,
                       error_hint=error_hint)
    return env


def _counts(claims: list[dict[str, Any]], field: str, order: list[str]) -> list[tuple[str, int]]:
    counts = Counter(str(c.get(field)) for c in claims)
    rank = {v: i for i, v in enumerate(order)}
    return sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def _check_counts(claims: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(outcome, engine, number of checks), strongest outcome first: the evidence ladder of checks."""
    counts = Counter((str(chk.get("outcome")), str(chk.get("engine") or "")) for c in claims
                     for chk in c.get("checks") or [] if isinstance(chk, dict))
    rank = {v: i for i, v in enumerate(statuses.LADDER)}
    return sorted(((o, e, n) for (o, e), n in counts.items()),
                  key=lambda t: (rank.get(t[0], len(rank)), -t[2], t[1]))


def _site_context(results: dict[str, Any]) -> dict[str, Any]:
    """Everything the index and graph pages need, computed once."""
    claims = [c for c in results.get("claims") or [] if isinstance(c, dict) and "id" in c]
    claims.sort(key=lambda c: str(c["id"]))
    by_id = {str(c["id"]): c for c in claims}
    g = build_graph(results)
    topo = _topo_order(g)
    position = {n: i for i, n in enumerate(topo)}
    reading: dict[str, list[dict[str, Any]]] = {}
    for cid in topo:
        if cid in by_id:
            note = str((by_id[cid].get("source") or {}).get("note") or "(no note)")
            reading.setdefault(note, []).append(by_id[cid])
    expected_fail = [c for c in claims if c.get("expect") == "fails"]
    annotations = sorted(((e, c) for c in claims for e in c.get("errata") or []
                          if isinstance(e, dict)), key=lambda ec: _natural_key(ec[0].get("id")))
    graph = results.get("graph") or {}
    edge_count, drawn_count = drawn_edge_count(results)
    total = len(claims)
    return {
        "results": results, "claims": claims, "by_id": by_id, "graph": g, "position": position,
        "total": total, "tool": results.get("tool") or {}, "run": results.get("run") or {},
        "problems": results.get("problems") or [],
        "cycles": graph.get("cycles") or [], "dangling": graph.get("dangling") or [],
        "missing": sorted(n for n in g.nodes if n not in by_id),
        "status_counts": _counts(claims, "status", statuses.LADDER),
        "kind_counts": _counts(claims, "kind", _KIND_ORDER),
        "check_counts": _check_counts(claims),
        "as_expected": sum(1 for c in claims if c.get("as_expected") is not False),
        "sound": sum(1 for c in claims if (c.get("foundation") or {}).get("status") in (None, "sound")),
        "notes": sorted({str((c.get("source") or {}).get("note") or "(no note)") for c in claims}),
        "reading": sorted(reading.items()), "expected_fail": expected_fail,
        "annotations": annotations, "edge_count": edge_count,
        "reduced_count": drawn_count, "legend": legend_html(results),
    }


def _claim_context(site: dict[str, Any], claim: dict[str, Any]) -> dict[str, Any]:
    g: nx.DiGraph = site["graph"]
    cid = str(claim["id"])
    pos = site["position"]
    given = claim.get("reading_order")
    if isinstance(given, list) and all(isinstance(x, str) for x in given):
        ancestors = [x for x in given if x != cid]
    else:
        ancestors = sorted(nx.ancestors(g, cid), key=lambda n: (pos.get(n, 0), n)) if cid in g else []
    notes = site.get("notes_site")
    return {"claim": claim, "ancestors": ancestors,
            "focus": focus_svg(site["results"], cid, link_prefix=""),
            "note_info": notes.by_claim.get(cid) if notes is not None and notes.available else None,
            "outline": proof_outline(claim, site["by_id"]) if claim.get("kind") != "definition" else ""}


def _build(results: dict[str, Any], root: Path, notes_dir: Path | None = None) -> None:
    """Writes the whole site into `root` (an empty folder)."""
    statuses.use(results)
    env = make_environment()
    site = _site_context(results)
    notes = site["notes_site"] = build_notes(
        results, notes_dir, counterexample=env.get_template("macros.html").make_module().counterexample)
    (root / "static").mkdir()
    for asset in sorted((_HERE / "static").iterdir()):
        if asset.is_file():
            shutil.copyfile(asset, root / "static" / asset.name)
    (root / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True),
                                       encoding="utf-8")

    def write(path: Path, template: str, **context: Any) -> None:
        path.write_text(env.get_template(template).render(**context, **site), encoding="utf-8")

    if notes.available:
        (root / "notes").mkdir()
        for note in notes.pages:
            write(root / "notes" / note.page, "note.html", root="../", page="note", note=note)
    (root / "claims").mkdir()
    for claim in site["claims"]:
        write(root / "claims" / page_name(str(claim["id"])), "claim.html", root="../", page="claim",
              **_claim_context(site, claim))
    full = graph_svg(results, link_prefix="claims/")
    write(root / "graph.html", "graph.html", root="", page="graph", svg=full)
    groups = {str(c["id"]): str((c.get("source") or {}).get("note") or "") for c in site["claims"]}
    titles = {n.name: n.title for n in notes.pages}
    banded = graph_svg(results, link_prefix="claims/", groups=groups, group_labels=titles)
    write(root / "graph-notes.html", "graph.html", root="", page="graph", svg=banded, grouped=True)
    write(root / "index.html", "index.html", root="", page="index",
          svg=full if len(site["claims"]) <= _INDEX_GRAPH_LIMIT else None)


def write_report(results: dict[str, Any], target: Path, cache_dir: Path | None = None,
                 notes_dir: Path | None = None, digest: str = "") -> None:
    """Builds the report for `results` into the report folder `target`, which the caller holds
    locked (`verify.report.output.locked`): index.html, claims/, graph.html, ...

    The build happens in a fresh folder next to `target`, which then replaces `target` in one
    step (`verify.report.output`): the previous report stays intact and readable until the new
    one is complete, and is untouched if the build fails. `digest`, the digest of the inputs
    (verify.report.digest), goes in with the pages.
    """
    tmp = output.new_build_folder(target)
    store = Path(cache_dir) / "mathml.json" if cache_dir is not None else None
    places = Path(cache_dir) / "sources.json" if cache_dir is not None else None
    if store is not None:
        math.load_store(store)  # LaTeX -> MathML conversions of earlier runs
        sources.load_store(places)  # where each claim's source is in its note
    try:
        _build(results, tmp, notes_dir)
        write_digest(tmp, digest)
        output.swap_in(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if store is not None:
        math.save_store(store)
        sources.save_store(places)
