"""The commands that check claims: `verify all` (every claim, then the report), `verify check`
(one claim and its evidence) and `verify mutate` (wrong variants of the claims, checked)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from verify.commands import fail
from verify.commands.lint import unrendered_latex
from verify.errors import Problem, did_you_mean


def _precisions(text: str) -> tuple[int, ...]:
    try:
        ps = tuple(int(x) for x in text.split(","))
    except ValueError:
        ps = ()
    if len(ps) < 2 or any(not 15 <= x <= 2000 for x in ps):
        raise SystemExit(fail("--precision takes two or more digit counts from 15 to 2000, as 50,80"))
    return ps


def _apply_limits(args) -> None:
    from verify.limits import set_limit
    for text in getattr(args, "limit", []):
        try:
            set_limit(text)
        except ValueError as exc:
            raise SystemExit(fail(str(exc)))


def cmd_all(args) -> int:
    from verify.pipeline import exit_code, run_pipeline
    from verify.report import write_report
    from verify.report.output import OutputError, prepare_output
    from verify.terminal import Progress
    _apply_limits(args)
    claims_dir = Path(args.claims)
    if not claims_dir.is_dir():
        return fail(f"no claims folder {claims_dir}/ (give one with --claims DIR)")
    try:  # before any check: the report folder is locked for this run and can be written
        prepare_output(Path(args.out))
    except OutputError as exc:
        return fail(str(exc))
    progress = Progress(jobs=args.jobs)
    client = executor = None
    if args.executor.startswith("dask://"):
        from verify.executors import dask_executor
        client, executor = dask_executor(args.executor)
    elif args.executor != "local":
        return fail("--executor takes local or dask://HOST:PORT")
    results = run_pipeline(claims_dir, seed=args.seed, jobs=args.jobs, timeout_s=args.timeout, executor=executor,
                           memory_mb=args.memory_mb, precisions=_precisions(args.precision),
                           use_cache=not args.no_cache, cache_dir=Path(args.cache_dir),
                           command="verify " + " ".join(sys.argv[1:] or ["all"]),
                           on_start=progress.start, on_done=progress, reuse=True)
    progress.close()
    if client is not None:
        client.close()
    from verify.strength import attach
    results["run"]["title"] = args.config.title
    _set_replay(results, args)
    attach(results, Path(args.mutation))
    try:
        written = write_report(results, Path(args.out), cache_dir=None if args.no_cache else Path(args.cache_dir),
                               notes_dir=Path(args.notes) if args.notes else None)
    except (OutputError, OSError) as exc:
        return fail(f"the report was not written: {exc}; the previous report is left as it was")
    if args.format == "json":
        import json
        print(json.dumps(results, indent=1, sort_keys=True))
    elif args.format == "junit":
        from verify.junit import junit_xml
        print(junit_xml(results))
    else:
        _print_summary(results, Path(args.out), written)
    return exit_code(results)


def _set_replay(results: dict, args) -> None:
    """Each claim's replay command names its file by absolute path (and any non-default precision
    or limit), so it works when pasted in any folder."""
    import shlex
    from verify.explain import replay_command
    extra = ""
    if getattr(args, "precision", "50,80") != "50,80":
        extra += f" --precision {shlex.quote(args.precision)}"
    for text in getattr(args, "limit", []) or []:
        extra += f" --limit {shlex.quote(text)}"
    for r in results["claims"]:
        r["replay"] = replay_command(r["file"], r.get("seed"), extra)  # every record has its file


def _print_summary(results: dict, out: Path, written: bool = True) -> None:
    for p in results["problems"]:
        print(Problem(**p), file=sys.stderr)
    s = results["summary"]
    counts = ", ".join(f"{v} {k}" for k, v in s["by_status"].items())
    print(f"{s['total']} claims: {counts}; {s['as_expected']} of {s['total']} as expected"
          + (f"; {s['invalid_files']} invalid file(s)" if s["invalid_files"] else ""))
    from verify.explain import explain, indent
    for r in results["claims"]:
        if not r["as_expected"]:
            first, *rest = explain(r)
            print(f"  not as expected: {first}", *indent(rest, 2), sep="\n")
    what = "report" if written else "report unchanged"
    print(f"{what}: {out / 'index.html'}  ({results['run']['duration_s']} s)")


def cmd_check(args) -> int:
    from verify.pipeline import claim_files, name_problem, run_pipeline
    from verify.validate import load_claim
    _apply_limits(args)
    target = Path(args.target)
    claims_dir, files, only = Path(args.claims), None, {args.target}
    if not (target.suffix in (".yaml", ".yml") or target.is_file()):
        found = [claims_dir / (args.target + ext) for ext in (".yaml", ".yml")]
        target = next((f for f in found if f.is_file()), target)  # an id names its file
    if target.suffix in (".yaml", ".yml") or target.is_file():
        if not target.is_file():
            return fail(f"no file {target}")
        claim, problems = load_claim(target)
        if claim is not None and not problems:  # what `verify lint FILE` finds beyond loading
            problems = [x for x in [name_problem(target, claim, str(target))] if x]
            problems += unrendered_latex({claim.id: claim})
        if problems:
            for p in problems:
                print(p, file=sys.stderr)
            return 2
        # the claims it uses live beside it: load the folder for the graph, check only this one
        claims_dir = target.parent
        files = [claim] + [p for p in claim_files(claims_dir) if p.resolve() != target.resolve()]
        only = {claim.id}
        if not args.cache_dir_given:  # the default cache for this claims folder (never inside it)
            args.cache_dir = args.config.cache_dir(claims=claims_dir)
    results = run_pipeline(claims_dir, files=files, only=only, seed=args.seed, jobs=1,
                           timeout_s=args.timeout, memory_mb=args.memory_mb, use_cache=not args.no_cache,
                           cache_dir=Path(args.cache_dir),
                           precisions=_precisions(args.precision), command="verify check " + args.target)
    _set_replay(results, args)
    own = [p for p in results["problems"]
           if (_names_file(p["file"], target) if files is not None else Path(p["file"]).stem in only)]
    for p in own:
        print(Problem(**p), file=sys.stderr)
    recs = [r for r in results["claims"] if r["id"] in only]
    if not recs:
        ids = [p.stem for p in claim_files(claims_dir)]
        return fail(f"no claim {args.target!r}{did_you_mean(args.target, ids)} in {claims_dir}/"
                    + ("" if claims_dir.is_dir() else " (no such folder; give one with --claims DIR)"))
    from verify.terminal import print_claim
    for r in recs:
        weak = (r.get("foundation") or {}).get("weak") or []
        print_claim(r, _cached_verdicts(claims_dir, files, weak, args))
    if own:
        return 2
    return 0 if all(r["as_expected"] for r in recs) else 1


def _names_file(display: str, path: Path) -> bool:
    """Whether a problem's file name (as messages show it) is the file `path`."""
    try:
        return Path(display).resolve() == path.resolve()
    except (OSError, RuntimeError):
        return False


def _cached_verdicts(claims_dir: Path, files, ids: list[str], args) -> dict:
    """What the cache knows of `ids` (the claims a checked claim rests on, which `verify check`
    does not check): id -> record, for the verdicts stored by earlier runs with the same settings."""
    if not ids or args.no_cache:
        return {}
    try:
        from verify.cache import ResultCache, claim_keys
        from verify.graph import build_graph
        from verify.pipeline import load_folder
        loaded = load_folder(claims_dir, files)
        keys = claim_keys(loaded.claims, build_graph(loaded.claims)[0], _precisions(args.precision), args.seed)
        cache = ResultCache(Path(args.cache_dir))
        hits = {cid: cache.get(keys[cid]) for cid in ids if cid in keys}
        return {cid: {**hit["record"], "cached": True} for cid, hit in hits.items() if hit is not None}
    except Exception:  # noqa: BLE001 - only a nicer message is at stake
        return {}


def cmd_mutate(args) -> int:
    import functools
    from verify.mutate import mutate_claim, score
    from verify.pipeline import load_folder
    from verify.workers import run_all
    loaded = load_folder(Path(args.claims))
    for p in loaded.problems:
        print(p, file=sys.stderr)
    if loaded.problems:
        return fail("fix the claim files first (`verify lint`)")
    pool = {cid: c for cid, c in loaded.claims.items() if c.expect == "holds"}
    unknown = [i for i in args.ids if i not in pool]
    if unknown:
        return fail(f"no claim that should hold named {', '.join(unknown)}")
    if args.reclassify:
        return _reclassify(Path(args.reclassify), pool)
    chosen = [pool[i] for i in (args.ids or sorted(pool))]
    t0, done = time.time(), [0]

    def progress(rec: dict) -> None:
        done[0] += 1
        ms = rec.get("mutants")
        if ms is None:
            line = f"{rec.get('status')}: {rec.get('message')}"
        else:
            k = sum(m["verdict"] == "killed" for m in ms)
            live = sum(m["verdict"] != "stillborn" for m in ms)
            line = f"{k}/{live} killed"
        print(f"[{done[0]}/{len(chosen)}] {rec['id']}: {line}", file=sys.stderr, flush=True)

    job = functools.partial(mutate_claim, budget_s=args.timeout)
    results = run_all(chosen, jobs=args.jobs, timeout_s=args.timeout, memory_mb=args.memory_mb,
                      seed=args.seed, on_done=progress, job=job, budget=lambda claim: args.timeout + 60)
    records = [results[c.id] for c in chosen]
    _save_mutation_records(Path(args.out), {**score(records), "seconds": round(time.time() - t0, 1)}, records)
    print(f"records written to {args.out}", file=sys.stderr)
    return 0


def _reclassify(path: Path, pool: dict) -> int:
    import json
    from verify.mutate import reclassify, score
    data = json.loads(path.read_text())
    records = [reclassify(pool[r["id"]], r) if r["id"] in pool else r for r in data["claims"]]
    _save_mutation_records(path, {**score(records), "seconds": data["summary"].get("seconds"), "reclassified": True},
                           records)
    return 0


def _save_mutation_records(path: Path, s: dict, records: list[dict]) -> None:
    """Write the records with their score `s` to `path`, and print the score and every survivor."""
    import json
    path.write_text(json.dumps({"summary": s, "claims": records}, indent=1, default=str))
    pct = "n/a" if s["score"] is None else f"{100 * s['score']:.1f}%"
    ne = "n/a" if s["score_nonequivalent"] is None else f"{100 * s['score_nonequivalent']:.1f}%"
    print(f"mutation score {pct}: {s['killed']} killed of {s['killed'] + s['survived']} "
          f"({s['stillborn']} stillborn left out; {s['claims']} claims, {s['seconds']} s)")
    print(f"non-equivalent mutants: {ne} killed ({s['equivalent']} survivors look equivalent: "
          "a weaker true statement, a transposed symmetric matrix, or no effect on either side)")
    for op, c in sorted(s["by_operator"].items()):
        print(f"  {op:16s} {c['killed']:4d} killed  {c['survived']:4d} survived  {c['stillborn']:4d} stillborn")
    survivors = [(r["id"], m) for r in records for m in r.get("mutants", []) if m["verdict"] == "survived"]
    if survivors:
        print("survivors:")
    for cid, m in sorted(survivors, key=lambda x: bool(x[1].get("equivalent"))):
        tag = "equivalent " if m.get("equivalent") else ""
        print(f"  {tag}{cid} [{m['operator']}] {m['description']}: {m.get('reason', '')}")
    for cid in s["failed_claims"]:
        print(f"  {cid}: the mutation run did not finish (see the records)")
