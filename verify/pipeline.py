"""The pipeline: load -> validate -> graph -> run checks -> results (-> report)."""

from __future__ import annotations

import datetime as _dt
import gc
import platform
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional

from verify import __version__
from verify.folder import display_name as _display, scan_folder  # noqa: F401 (re-exported)
from verify.errors import Problem, suggestion_budget
from verify.expr.latex import to_latex
from verify.model import CheckSpec, Claim
from verify.status import status_table

SCHEMA_VERSION = 1
SUGGESTIONS_PER_FILE = 100_000  # did-you-mean comparisons per claim file (then no more suggestions)


@dataclass
class Loaded:
    claims: dict[str, Claim] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    invalid_files: list[str] = field(default_factory=list)


def claim_files(claims_dir: Path) -> list[Path]:
    """The claim files of a folder (sorted; symlinks that leave the folder are skipped)."""
    return scan_folder(claims_dir)[0]


def name_problem(path: Path, claim: Claim, display: str) -> Optional[Problem]:
    """A problem when the file's name is not its claim's id (`verify check ID` finds a claim by
    its file name, and the report links pages by id)."""
    if Path(path).stem == claim.id:
        return None
    line, col = claim.marks.get(("id",), (claim.line_of("id"), 1))
    return Problem(display, line, col, f"the file name {Path(path).name!r} differs from the id "
                   f"{claim.id!r}", f"rename the file to {claim.id}{Path(path).suffix}, "
                   f"or change the id to {Path(path).stem}")


def load_folder(claims_dir: Path, files: Optional[list[Path | Claim]] = None) -> Loaded:
    """Load and validate every claim file; bad files become problems, good ones claims. An item of
    `files` may be a claim loaded before from its file (by `verify check FILE`): it is not read again.
    Python's cyclic garbage collector is paused meanwhile: loading makes little cyclic garbage, and
    the collector kept walking the growing set of loaded claims (18% of loading 11,400 claims)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load_folder(claims_dir, files)
    finally:
        if paused:
            gc.enable()


def _load_folder(claims_dir: Path, files: Optional[list[Path | Claim]]) -> Loaded:
    from verify.validate import load_claim
    out = Loaded()
    first_seen: dict[str, str] = {}
    if files is None:
        files, out.problems = scan_folder(claims_dir)
    for item in files:
        known = item if isinstance(item, Claim) else None
        path = Path(known.file) if known else item
        display = _display(path)
        with suggestion_budget(SUGGESTIONS_PER_FILE):
            claim, problems = (replace(known, file=display), []) if known else load_claim(path, display)
        if claim is not None and not problems:
            if claim.id in out.claims:
                problems.append(Problem(display, claim.line_of("id"), 1,
                                        f"duplicate id {claim.id!r}: also in {first_seen[claim.id]}",
                                        "ids are graph node names and must be unique"))
            problems += [p for p in [name_problem(path, claim, display)] if p]
        if problems:
            out.problems += problems
            out.invalid_files.append(display)
            continue
        first_seen[claim.id] = display
        out.claims[claim.id] = claim
    return out


def tool_versions() -> dict:
    from importlib.metadata import version

    from mpmath.libmp import BACKEND
    return {"verify": __version__, "python": platform.python_version(), "sympy": version("sympy"),
            "mpmath": version("mpmath"), "mpmath_backend": BACKEND, "networkx": version("networkx")}


def _latex(tree, names: dict) -> str:
    """A tree kept by validation for display, as LaTeX ('' without one: printing never loses a result)."""
    try:
        return to_latex(tree, names) if tree is not None else ""
    except Exception:  # noqa: BLE001
        return ""


def _check_record(rec: dict, spec: Optional[CheckSpec], names: dict) -> dict:
    """A CHECK record with the LaTeX of what was checked (a calc chain: of each term)."""
    rec = dict(rec)
    if spec is not None and spec.shown:
        latex = [_latex(t, names) for t in spec.shown]
        rec["checked_latex"] = latex[0]
        if spec.kind == "calc":
            rec["first_latex"] = latex[0]
            for step, text in zip(rec.get("steps", []), latex[1:]):
                step["checked_latex"] = text
    return rec


def claim_record(c: Claim, run: dict, g, sound: dict[str, bool], corrects: dict[str, list]) -> dict:
    """The CLAIM record of results.json: the claim's data, its evidence, its place in the graph."""
    from verify.graph import foundation, reading_order
    names = {n: s.latex for n, s in c.symbols.items() if s.latex}
    specs = {s.index: s for s in c.checks}
    checks = [_check_record(rec, specs.get(i), names) for i, rec in enumerate(run.get("checks", []))]
    seed = run.get("seed")
    return {
        "id": c.id, "kind": c.kind, "title": c.title, "statement": c.statement, "file": c.file,
        "line": c.line, "source": c.source, "uses": list(c.uses),
        "used_by": sorted(g.successors(c.id)) if c.id in g else [],
        "expect": c.expect, "corrected_by": c.corrected_by,
        "corrects": corrects.get(c.id, []),
        "erratum": c.erratum, "errata": c.errata, "notes": c.notes, "scope": c.scope,
        "status": run.get("status", "error"), "as_expected": bool(run.get("as_expected")),
        "foundation": foundation(g, c.id, sound) if c.id in g else {"status": "sound", "weak": []},
        "reading_order": reading_order(g, c.id) if c.id in g else [],
        "seed": seed, "replay": f"verify check {c.id}" + (f" --seed {seed}" if seed is not None else ""),
        "duration_s": run.get("duration_s"),
        "symbols": {n: {"type": s.type, "sampler": s.describe(), "latex": s.latex,
                        "sampler_latex": s.describe_latex(names),
                        "shape": [to_latex(x) for x in s.shape] if s.shape else None,
                        **({"narrow": s.narrow} if s.narrow else {})}
                    for n, s in sorted(c.symbols.items())},
        "defines": [{"name": d.head, "expr": d.text,
                     "latex": _latex(d.head_tree, names) + " := " + _latex(d.body_tree, names)}
                    for d in c.define_entries],
        "assume": [{"name": h.name, "latex": h.latex, "expr": h.text, "checked_latex": _latex(h.shown, names)}
                   for h in c.assume],
        "checks": checks, "necessity": run.get("necessity", []), "message": run.get("message"),
    }


def assemble(loaded: Loaded, runs: dict[str, dict], graph_problems: list[Problem], graph_summary: dict,
             g, started: float, command: str, claims_dir: str, seed, jobs: int) -> dict:
    claims = loaded.claims
    sound = {cid: claims[cid].expect == "holds" and bool(runs.get(cid, {}).get("as_expected"))
             for cid in claims}
    corrects: dict[str, list] = {}
    for cid in sorted(claims):
        if claims[cid].corrected_by:
            corrects.setdefault(claims[cid].corrected_by, []).append(cid)
    records = [claim_record(claims[cid], runs.get(cid, {"status": "untested", "as_expected": False}),
                            g, sound, corrects) for cid in sorted(claims)]
    by_status, by_kind = Counter(r["status"] for r in records), Counter(r["kind"] for r in records)
    problems = loaded.problems + graph_problems
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_versions(),
        "run": {"command": command, "claims_dir": claims_dir, "seed": seed, "jobs": jobs,
                "started": _dt.datetime.fromtimestamp(started, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration_s": round(time.time() - started, 2)},
        "summary": {"total": len(records), "by_status": dict(sorted(by_status.items())),
                    "by_kind": dict(sorted(by_kind.items())),
                    "as_expected": sum(r["as_expected"] for r in records),
                    "unexpected": sum(not r["as_expected"] for r in records),
                    "invalid_files": len(loaded.invalid_files)},
        "problems": [p.to_dict() for p in sorted(problems, key=lambda p: (p.file, p.line, p.col))],
        "graph": graph_summary,
        "statuses": status_table(),  # the ladder with labels, colours and icons: the report draws from it
        "claims": records,
    }


def run_pipeline(claims_dir: Path, *, files: Optional[list[Path | Claim]] = None, only: Optional[set[str]] = None,
                 seed=None, jobs: int = 1, timeout_s: float = 120.0, memory_mb: int = 2048,
                 precisions=(50, 80), command: str = "verify all", use_cache: bool = True,
                 cache_dir: Optional[Path] = None, executor=None,
                 on_start: Optional[Callable[[int], None]] = None,
                 on_done: Optional[Callable[[dict], None]] = None, reuse: bool = False) -> dict:
    """Load, validate, build the graph, check (or reuse cached verdicts), assemble results.json.
    With `reuse` (the whole folder, cache on), a run whose inputs are those of the last fully
    cached run takes its results whole, without loading anything (verify.reuse)."""
    started = time.time()
    from verify.cache import DEFAULT_DIR
    folder = cache_dir or DEFAULT_DIR
    run_id = None
    if reuse and use_cache and files is None and only is None:
        from verify.reuse import reuse_run, run_key
        run_id = run_key(claims_dir, precisions, seed)
        kept = reuse_run(folder, run_id, started, command, jobs)
        if kept is not None:
            if on_start:
                on_start(0, len(kept["claims"]), [])
            return kept
    results, all_cached = _run_pipeline(claims_dir, files, only, seed, jobs, timeout_s, memory_mb, precisions,
                                        command, use_cache, folder, executor, on_start, on_done, started)
    if run_id is not None and all_cached and not results["graph"].get("cycles"):
        from verify.reuse import keep_run, run_key
        if run_key(claims_dir, precisions, seed) == run_id:  # no file changed during the run
            keep_run(folder, run_id, results)
    return results


def _run_pipeline(claims_dir: Path, files, only, seed, jobs, timeout_s, memory_mb, precisions, command,
                  use_cache, folder: Path, executor, on_start, on_done, started) -> tuple[dict, bool]:
    """The pipeline itself; also whether every claim's verdict is (now) in the cache."""
    from verify.cache import ResultCache, cacheable, claim_keys, load_schema_passes, save_schema_passes
    from verify.graph import build_graph
    from verify.workers import run_all
    if use_cache:
        load_schema_passes(folder)
    loaded = load_folder(claims_dir, files)
    if use_cache:
        save_schema_passes(folder)
    g, graph_problems, summary = build_graph(loaded.claims)
    wanted = [cid for cid in sorted(loaded.claims) if only is None or cid in only]
    cache = ResultCache(folder)
    keys = claim_keys(loaded.claims, g, precisions, seed) if use_cache else {}
    runs: dict[str, dict] = {}
    for cid in wanted:
        hit = cache.get(keys[cid]) if cid in keys else None
        if hit is not None:
            runs[cid] = hit["record"]
    durations = cache.durations()
    todo = sorted((loaded.claims[cid] for cid in wanted if cid not in runs),
                  key=lambda c: (-durations.get(c.id, 1.0), c.id))  # slow claims first
    if on_start:
        on_start(len(todo), len(runs), [c.id for c in todo])  # the ids in the order they are started

    def arrived(rec: dict) -> None:
        """Cache each verdict the moment it arrives: an interrupted run keeps what it checked."""
        cid = rec.get("id")
        if use_cache and cid in keys:
            cache.put(keys[cid], rec)
        if rec.get("duration_s") is not None:
            durations[cid] = rec["duration_s"]
        if on_done:
            on_done(rec)

    try:
        if executor is not None:  # any concurrent.futures.Executor (a Dask cluster, ...)
            from verify.executors import run_on_executor
            fresh = run_on_executor(executor, todo, seed=seed, precisions=precisions, on_done=arrived)
        else:
            fresh = run_all(todo, jobs=jobs, timeout_s=timeout_s, memory_mb=memory_mb, seed=seed,
                            precisions=precisions, on_done=arrived)
    finally:
        if todo and use_cache:
            cache.save_durations(durations)
    runs.update(fresh)
    if only is not None:
        loaded.claims = {cid: c for cid, c in loaded.claims.items() if cid in only or cid in runs}
    results = assemble(loaded, runs, graph_problems, summary, g, started, command, str(claims_dir), seed, jobs)
    results["run"].update(checked=len(fresh), cached=len(runs) - len(fresh))
    all_cached = use_cache and all(cid in keys and (cid not in fresh or cacheable(fresh[cid])) for cid in wanted)
    return results, all_cached


def exit_code(results: dict) -> int:
    """0 all as expected; 2 invalid files or graph errors; 1 otherwise."""
    if results["problems"]:
        return 2
    if any(not r["as_expected"] for r in results["claims"]):
        return 1
    return 0
