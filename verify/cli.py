"""The `verify` command line. Heavy imports (SymPy) happen inside the commands that need them."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

EXAMPLES = {
    "all": "verify all                      # check claims/, write reports/index.html\n"
           "verify all --seed 7 -j 2        # another seed, two workers\n"
           "verify all --claims held --out held-report --cache-dir /tmp/vc\n"
           "# defaults for --claims, --out, --cache-dir and the report's title: [tool.verify] in\n"
           "# pyproject.toml (claims, out, cache, title); the cache also: $VERIFY_CACHE_DIR",
    "check": "verify check neumann_series_limit\n"
             "verify check claims/my_claim.yaml --seed 12345   # replay a reported seed",
    "list": "verify list",
    "lint": "verify lint                      # every file in claims/\nverify lint claims/my_claim.yaml",
    "graph": "verify graph                     # text: each claim and what it uses\n"
             "verify graph --dot | dot -Tsvg > graph.svg",
    "mutate": "verify mutate                    # every claim that should hold, -j cores\n"
              "verify mutate rayleigh_lower_bound --out m.json",
    "new": "verify new my_claim             # writes claims/my_claim.yaml, a scaffold that passes\n"
           "verify new my_claim --claims held   # writes held/my_claim.yaml",
}


CLAIMS_HELP = "folder of claim files (default: [tool.verify] claims in pyproject.toml, else claims/)"
NOTES_HELP = ("folder of the lecture notes the claims quote (default: [tool.verify] notes in "
              "pyproject.toml; without it sources are not located and the report has no note pages)")


MAX_TIMEOUT_S = 7 * 24 * 3600.0   # a week per claim
MIN_MEMORY_MB, MAX_MEMORY_MB = 64, 1 << 20  # 64 MB .. 1 TB per worker


def _seconds(text: str) -> float:
    """--timeout: a finite number of seconds above 0 (nan or inf would remove the limit)."""
    import math
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT_S):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0 and at most "
                                         f"{MAX_TIMEOUT_S:g} (a week), as 120 or 0.5")
    return value


def _megabytes(text: str) -> int:
    """--memory-mb: a whole number of megabytes, from 64 to 1048576 (a memory limit always applies)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not MIN_MEMORY_MB <= value <= MAX_MEMORY_MB:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of megabytes from "
                                         f"{MIN_MEMORY_MB} to {MAX_MEMORY_MB}, as 2048")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="verify",
        description="Check the claims of the course notes: each YAML claim in claims/ is checked "
                    "symbolically (SymPy) and numerically (mpmath, two precisions), the claims form a "
                    "dependency graph, and an HTML report is written to reports/.",
        epilog="Exit codes: 0 every claim as expected; 1 a claim refuted that should hold, an "
               "expected-false claim not refuted, or a check errored/timed out; 2 invalid claim "
               "files or usage. Run `verify <command> --help` for examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="command")

    def add(name, help_, desc):
        sp = sub.add_parser(name, help=help_, description=desc,
                            epilog="examples:\n" + textwrap.indent(EXAMPLES.get(name, ""), "  "),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        return sp

    def run_opts(sp):
        sp.add_argument("--seed", type=int, default=None,
                        help="seed for every claim (default: a stable hash of each claim's id)")
        sp.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: the number of cores)")
        sp.add_argument("--timeout", type=_seconds, default=120.0, help="safety net: CPU seconds per check (default 120; CPU time, so load does not "
                             "change a verdict; a worker is killed after 10x its claim's budget of wall time)")
        sp.add_argument("--memory-mb", type=_megabytes, default=2048, help="memory per worker in MB (default 2048)")
        sp.add_argument("--precision", default="50,80",
                        help="the two (or more) working precisions in digits (default 50,80)")
        sp.add_argument("--limit", action="append", default=[], metavar="NAME=N",
                        help="raise a cost bound, e.g. --limit max_range=1000000 (names: max_dim, "
                             "max_draw_dim, max_range, max_power, max_exp_bits, max_factorial, "
                             "max_symbolic_entries)")
        sp.add_argument("--no-cache", action="store_true",
                        help="check every claim again, ignoring the result cache")
        sp.add_argument("--cache-dir", default=None, metavar="DIR",
                        help="the result cache (default: $VERIFY_CACHE_DIR, else [tool.verify] cache in "
                             "pyproject.toml, else .verify_cache/ beside the report folder)")

    a = add("all", "check every claim and write the report",
            "Check every claim file in the claims folder and write reports/index.html and results.json.")
    a.add_argument("--claims", default=None, help=CLAIMS_HELP)
    a.add_argument("--out", default=None,
                   help="report folder (default: [tool.verify] out in pyproject.toml, else reports/)")
    a.add_argument("--notes", default=None, metavar="DIR", help=NOTES_HELP)
    a.add_argument("--mutation", default=None, metavar="FILE",
                   help="records of a `verify mutate` run: each claim's page shows its mutants and the index "
                        "its mutation score, flagging weak checks (default: [tool.verify] mutation, else "
                        "mutation.json, when present)")
    a.add_argument("--format", choices=("text", "json", "junit"), default="text",
                   help="what to print: a text summary (default), the results JSON, or JUnit XML")
    a.add_argument("--executor", default="local",
                   help="where checks run: local (default: forked workers with limits) or "
                        "dask://HOST:PORT (a Dask distributed scheduler; pip install 'verify[dask]')")
    run_opts(a)
    c = add("check", "check one claim and print its evidence",
            "Check one claim, given by file path or id, and print its verdict and evidence.")
    c.add_argument("target", help="a claim file path or a claim id")
    c.add_argument("--claims", default=None, help="folder to look the id up in; " + CLAIMS_HELP)
    run_opts(c)
    c.set_defaults(jobs=1)
    l_ = add("list", "list the claims with kind and title", "List the claims of the folder.")
    l_.add_argument("--claims", default=None, help=CLAIMS_HELP)
    li = add("lint", "validate claim files without checking them",
             "Validate claim files (YAML, schema, expressions, graph) without running any check.")
    li.add_argument("paths", nargs="*", help="files (default: every file in --claims)")
    li.add_argument("--claims", default=None, help=CLAIMS_HELP)
    li.add_argument("--notes", default=None, metavar="DIR", help=NOTES_HELP)
    gr = add("graph", "print the dependency graph (text or DOT)", "Print the dependency graph.")
    gr.add_argument("--claims", default=None, help=CLAIMS_HELP)
    gr.add_argument("--dot", action="store_true", help="Graphviz DOT instead of text")
    nw = add("new", "write a commented claim scaffold", "Write <claims folder>/<ID>.yaml, a commented "
             "scaffold that passes `verify check` as written; edit it into your claim.")
    nw.add_argument("id", help="the new claim's id (letters, digits, _)")
    nw.add_argument("--claims", default=None, help="folder to write it into; " + CLAIMS_HELP)
    mu = add("mutate", "mutation test: are wrong variants of the claims rejected?",
             "Make wrong variants (mutants) of every claim that should hold - each inequality flipped, "
             "each constant changed, each square-matrix factor transposed, each hypothesis dropped - "
             "check them, and print the fraction rejected (the mutation score) with every survivor "
             "and its likely reason. Stillborn mutants (shape errors) are left out of the score.")
    mu.add_argument("ids", nargs="*", help="claim ids (default: every claim with expect: holds)")
    mu.add_argument("--claims", default=None, help=CLAIMS_HELP)
    mu.add_argument("--out", default="mutation.json", help="where to write the records (default mutation.json)")
    mu.add_argument("--seed", type=int, default=None, help="seed (default: a stable hash of each claim's id)")
    mu.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    mu.add_argument("--reclassify", metavar="FILE",
                    help="do not run anything: recompute the survivors' reasons (equivalent or not) in a "
                         "records file written by an earlier run, with today's classifier, and print its score")
    mu.add_argument("--timeout", type=_seconds, default=900.0, help="CPU seconds per claim, all its mutants (default 900); each mutant gets at most 120 (a mutant not decided in time survives)")
    mu.add_argument("--memory-mb", type=_megabytes, default=2048, help="memory per worker in MB (default 2048)")
    fns = sub.add_parser("functions", help="list the functions of the expression language and the "
                                           "engines that support each")
    fns.add_argument("--markdown", action="store_true",
                     help="print the table as Markdown (the one docs/claim-format.md holds)")
    sub.add_parser("samplers", help="list the samplers")
    sub.add_parser("schema", help="print the JSON Schema of claim files")
    return p


def main(argv=None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:
        # the reader went away (`verify check ... | head`): stop quietly, as a killed-by-SIGPIPE
        # program would; point stdout at /dev/null so the interpreter's last flush cannot fail
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141


def _main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if not args.command:
        _parser().print_help()
        return 2
    try:
        _settle(args)
    except Exception as exc:  # noqa: BLE001 - a broken [tool.verify] table is a usage error
        from verify.config import ConfigError
        if not isinstance(exc, ConfigError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with _terminate_as_interrupt():
            return COMMANDS[args.command](args)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP (Terminated)
        _end_workers()
        how = f"terminated by {exc.name}" if isinstance(exc, Terminated) else "interrupted"
        print(f"{how}; the previous report is left as it was", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    finally:
        output = sys.modules.get("verify.report.output")
        if output is not None:
            output.release_all()  # the lock on the report folder


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (what CI runners, `timeout` and a closed terminal send): handled as
    Ctrl-C is, so the workers are ended and the previous report is kept."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum, self.name = signum, signal.Signals(signum).name


class _terminate_as_interrupt:
    """While active (main thread only), SIGTERM and SIGHUP raise Terminated; restored after."""

    SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))

    def __enter__(self):
        import threading
        self.saved = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self.saved[sig] = signal.signal(sig, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise Terminated(signum)

    def __exit__(self, *exc):
        for sig, handler in self.saved.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        return False


def _end_workers() -> None:
    """Kill the worker processes this process started (a run that was interrupted)."""
    import multiprocessing
    for proc in multiprocessing.active_children():
        proc.kill()
    for proc in multiprocessing.active_children():
        proc.join(timeout=2)


def _settle(args) -> None:
    """Fill in what the command line left out from [tool.verify] and the defaults (verify.config)."""
    if not any(hasattr(args, k) for k in ("claims", "out", "cache_dir")):
        return
    from verify.config import load_config
    cfg = load_config()
    args.config = cfg
    if getattr(args, "claims", "") is None:
        args.claims = str(cfg.claims)
    if getattr(args, "out", "") is None:
        args.out = str(cfg.out)
    if getattr(args, "mutation", "") is None:
        args.mutation = str(cfg.mutation) if cfg.mutation is not None else "mutation.json"
    if getattr(args, "notes", "") is None:
        notes = cfg.notes_for(Path(args.claims) if getattr(args, "claims", None) else None)
        args.notes = str(notes) if notes is not None else None
    if hasattr(args, "cache_dir"):
        args.cache_dir_given = args.cache_dir
        args.cache_dir = cfg.cache_dir(claims=Path(args.claims),
                                       out=Path(args.out) if getattr(args, "out", None) else None,
                                       cli=args.cache_dir)


def _precisions(text: str) -> tuple[int, ...]:
    try:
        ps = tuple(int(x) for x in text.split(","))
    except ValueError:
        ps = ()
    if len(ps) < 2 or any(not 15 <= x <= 2000 for x in ps):
        print("error: --precision takes two or more digit counts from 15 to 2000, as 50,80", file=sys.stderr)
        raise SystemExit(2)
    return ps


def _apply_limits(args) -> None:
    from verify.limits import set_limit
    for text in getattr(args, "limit", []):
        try:
            set_limit(text)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2)


def cmd_all(args) -> int:
    from verify.pipeline import exit_code, run_pipeline
    _apply_limits(args)
    from verify.report import write_report
    claims_dir = Path(args.claims)
    if not claims_dir.is_dir():
        print(f"error: no claims folder {claims_dir}/ (give one with --claims DIR)", file=sys.stderr)
        return 2
    from verify.report.output import OutputError, prepare_output
    try:  # before any check: the report folder is locked for this run and can be written
        prepare_output(Path(args.out))
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from verify.terminal import Progress
    progress = Progress(jobs=args.jobs)
    client = executor = None
    if args.executor.startswith("dask://"):
        from verify.executors import dask_executor
        client, executor = dask_executor(args.executor)
    elif args.executor != "local":
        print("error: --executor takes local or dask://HOST:PORT", file=sys.stderr)
        return 2
    results = run_pipeline(claims_dir, seed=args.seed, jobs=args.jobs, timeout_s=args.timeout, executor=executor,
                           memory_mb=args.memory_mb, precisions=_precisions(args.precision),
                           use_cache=not args.no_cache, cache_dir=Path(args.cache_dir),
                           command="verify " + " ".join(sys.argv[1:] or ["all"]),
                           on_start=progress.start, on_done=progress, reuse=True)
    progress.close()
    if client is not None:
        client.close()
    results["run"]["title"] = args.config.title
    _set_replay(results, args)
    from verify.strength import attach
    attach(results, Path(args.mutation))
    try:
        written = write_report(results, Path(args.out), cache_dir=None if args.no_cache else Path(args.cache_dir),
                               notes_dir=Path(args.notes) if args.notes else None)
    except (OutputError, OSError) as exc:
        print(f"error: the report was not written: {exc}; the previous report is left as it was",
              file=sys.stderr)
        return 2
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
    extra = ""
    if getattr(args, "precision", "50,80") != "50,80":
        extra += f" --precision {shlex.quote(args.precision)}"
    for text in getattr(args, "limit", []) or []:
        extra += f" --limit {shlex.quote(text)}"
    for r in results["claims"]:
        if r.get("file"):
            target = shlex.quote(str(Path(r["file"]).resolve()))
        else:
            target = f"{r['id']} --claims {shlex.quote(str(Path(args.claims).resolve()))}"
        seed = r.get("seed")
        r["replay"] = f"verify check {target}" + (f" --seed {seed}" if seed is not None else "") + extra


def _print_summary(results: dict, out: Path, written: bool = True) -> None:
    for p in results["problems"]:
        print(_problem_text(p), file=sys.stderr)
    s = results["summary"]
    counts = ", ".join(f"{v} {k}" for k, v in s["by_status"].items())
    print(f"{s['total']} claims: {counts}; {s['as_expected']} of {s['total']} as expected"
          + (f"; {s['invalid_files']} invalid file(s)" if s["invalid_files"] else ""))
    for r in results["claims"]:
        if not r["as_expected"]:
            print(f"  not as expected: {r['id']} ({r['file']}): {r['status']}, expected {r['expect']}"
                  + (f" - {r['message']}" if r.get("message") else ""))
    what = "report" if written else "report unchanged"
    print(f"{what}: {out / 'index.html'}  ({results['run']['duration_s']} s)")


def _problem_text(p: dict) -> str:
    loc = f"{p['file']}:{p['line']}:{p['col']}" if p.get("line") else p["file"]
    return f"{loc}: {p['message']}" + (f"\n    hint: {p['hint']}" if p.get("hint") else "")


def cmd_check(args) -> int:
    from verify.pipeline import run_pipeline
    from verify.pipeline import claim_files
    from verify.validate import load_claim
    _apply_limits(args)
    target = Path(args.target)
    claims_dir, files, only = Path(args.claims), None, {args.target}
    if not (target.suffix in (".yaml", ".yml") or target.is_file()):
        found = [claims_dir / (args.target + ext) for ext in (".yaml", ".yml")]
        target = next((f for f in found if f.is_file()), target)  # an id names its file
    if target.suffix in (".yaml", ".yml") or target.is_file():
        if not target.is_file():
            print(f"error: no file {target}", file=sys.stderr)
            return 2
        claim, problems = load_claim(target)
        if claim is not None and not problems:  # what `verify lint FILE` finds beyond loading
            from verify.pipeline import name_problem
            problems = [x for x in [name_problem(target, claim, str(target))] if x]
            problems += _latex_problems({claim.id: claim})
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
        print(_problem_text(p), file=sys.stderr)
    recs = [r for r in results["claims"] if r["id"] in only]
    if not recs:
        from verify.errors import did_you_mean
        ids = [p.stem for p in claim_files(claims_dir)]
        print(f"error: no claim {args.target!r}{did_you_mean(args.target, ids)} in {claims_dir}/"
              + ("" if claims_dir.is_dir() else " (no such folder; give one with --claims DIR)"),
              file=sys.stderr)
        return 2
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
        out = {}
        for cid in ids:
            hit = cache.get(keys[cid]) if cid in keys else None
            if hit is not None:
                out[cid] = {**hit["record"], "cached": True}
        return out
    except Exception:  # noqa: BLE001 - only a nicer message is at stake
        return {}


def cmd_list(args) -> int:
    from verify.pipeline import load_folder
    loaded = load_folder(Path(args.claims))
    for cid, c in sorted(loaded.claims.items()):
        print(f"{cid:45s} {c.kind:16s} {c.title}")
    for p in loaded.problems:
        print(p, file=sys.stderr)
    return 2 if loaded.problems else 0


def cmd_lint(args) -> int:
    from verify.graph import build_graph
    from verify.pipeline import claim_files, load_folder
    files = None
    if args.paths:  # files, or folders of claim files
        files = [f for p in map(Path, args.paths) for f in (claim_files(p) if p.is_dir() else [p])]
    if not (files if files is not None else claim_files(Path(args.claims))):
        where = ", ".join(args.paths) if args.paths else f"{args.claims}/"
        why = "" if args.paths or Path(args.claims).is_dir() else " (no such folder)"
        print(f"error: nothing to lint: no claim files (*.yaml, *.yml) in {where}{why}; "
              "give files or a folder, or --claims DIR", file=sys.stderr)
        return 2
    loaded = load_folder(Path(args.claims), files)
    problems = list(loaded.problems)
    if files is None:
        problems += build_graph(loaded.claims)[1]
    problems += _latex_problems(loaded.claims)
    from verify.sources import lint_sources
    source_problems, notice, located = lint_sources(loaded.claims.values(), Path(args.notes) if args.notes else None)
    problems += source_problems
    if notice:
        print(f"note: {notice}", file=sys.stderr)
    for p in problems:
        print(p)
    warnings = _coverage_warnings(loaded.claims)
    if args.notes and not notice:
        warnings += _proof_citation_warnings(loaded.claims, Path(args.notes))
    for w in warnings:
        print(w)
    n = len(loaded.claims) + len(loaded.invalid_files)
    print(f"{len(loaded.claims)} of {n} files valid" + (f"; {len(problems)} problem(s)" if problems else "")
          + (f"; {len(warnings)} warning(s)" if warnings else "")
          + (f"; {justified} narrower sampler(s) justified by narrow:" if (justified := _justified_gaps(loaded.claims)) else "")
          + (f"; sources in the notes: {located['verbatim']} verbatim, {located['fuzzy']} by fuzzy match, "
             f"{located['span']} by span" if sum(located.values()) else ""), file=sys.stderr)
    return 2 if problems else 0


def _coverage_warnings(claims) -> list:
    """Samplers narrower than what the hypotheses allow (warnings: they do not fail lint)."""
    from verify.coverage import sampler_gaps
    return [w for c in claims.values() for w in sampler_gaps(c)]


def _justified_gaps(claims) -> int:
    from verify.coverage import justified_gaps
    return sum(len(justified_gaps(c)) for c in claims.values())


def _proof_citation_warnings(claims, notes_dir) -> list:
    """Lemmas the note's proofs cite that the claims covering them do not use (warnings)."""
    from verify.errors import Problem
    from verify.report.notes import proof_citations
    return [Problem(c.file, c.line_of("uses"), 1, f"warning: {message}",
                    "add the claim to uses:, or say in notes: why the proof does not need it")
            for c, message in proof_citations(list(claims.values()), notes_dir)]


def _latex_problems(claims) -> list:
    """LaTeX that would not render in the report (shown there as source with a warning)."""
    from verify.errors import Problem
    from verify.report.math import latex_problems
    out = []
    for c in claims.values():
        fields = [(("statement",), c.statement)] + [(("assume", i, "latex"), h.latex)
                                                    for i, h in enumerate(c.assume)]
        for path, tex in fields:
            why = latex_problems(tex)
            if why:
                out.append(Problem(c.file, c.line_of(*path), 1, f"LaTeX that will not render: {why}",
                                   "the report shows it as source with a warning; fix the LaTeX"))
    return out


def cmd_graph(args) -> int:
    from verify.graph import build_graph
    from verify.pipeline import load_folder
    loaded = load_folder(Path(args.claims))
    g, problems, _ = build_graph(loaded.claims)
    if args.dot:
        print("digraph claims {\n  rankdir=BT;")
        for n in sorted(g.nodes):
            print(f'  "{n}" [label="{n}\\n({loaded.claims[n].kind})"];')
        for a, b in sorted(g.edges):
            print(f'  "{a}" -> "{b}";')
        print("}")
    else:
        for n in sorted(g.nodes):
            uses = sorted(g.predecessors(n))
            print(f"{n} ({loaded.claims[n].kind})" + (f" <- {', '.join(uses)}" if uses else ""))
    for p in problems:
        print(p, file=sys.stderr)
    return 2 if problems or loaded.problems else 0


def cmd_new(args) -> int:
    import re
    from verify.scaffold import scaffold_text
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", args.id):
        print("error: an id is letters, digits and _, starting with a letter", file=sys.stderr)
        return 2
    path = Path(args.claims) / f"{args.id}.yaml"
    if path.exists():
        print(f"error: {path} exists; choose another id", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scaffold_text(args.id, path), encoding="utf-8")
    print(f"wrote {path}; edit it, then run: verify check {path}")
    return 0


def cmd_functions(args) -> int:
    from verify.support import markdown_table, text_table
    print(markdown_table() if args.markdown else text_table())
    return 0


def cmd_samplers(args) -> int:
    from verify.samplers import SAMPLERS
    for name in sorted(SAMPLERS):
        s = SAMPLERS[name]
        print(f"{name:14s} {s.args:40s} ({', '.join(s.types)})\n{'':15s}{s.doc}")
    return 0


def cmd_mutate(args) -> int:
    import functools
    import json
    from verify.mutate import mutate_claim, score
    from verify.pipeline import load_folder
    from verify.workers import run_all
    loaded = load_folder(Path(args.claims))
    for p in loaded.problems:
        print(p, file=sys.stderr)
    if loaded.problems:
        print("error: fix the claim files first (`verify lint`)", file=sys.stderr)
        return 2
    pool = {cid: c for cid, c in loaded.claims.items() if c.expect == "holds"}
    unknown = [i for i in args.ids if i not in pool]
    if unknown:
        print(f"error: no claim that should hold named {', '.join(unknown)}", file=sys.stderr)
        return 2
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
    summary = score(records)
    summary["seconds"] = round(time.time() - t0, 1)
    Path(args.out).write_text(json.dumps({"summary": summary, "claims": records}, indent=1, default=str))
    _print_mutation_summary(summary, records)
    print(f"records written to {args.out}", file=sys.stderr)
    return 0


def _reclassify(path: Path, pool: dict) -> int:
    import json
    from verify.mutate import reclassify, score
    data = json.loads(path.read_text())
    records = [reclassify(pool[r["id"]], r) if r["id"] in pool else r for r in data["claims"]]
    summary = {**score(records), "seconds": data["summary"].get("seconds"), "reclassified": True}
    path.write_text(json.dumps({"summary": summary, "claims": records}, indent=1, default=str))
    _print_mutation_summary(summary, records)
    return 0


def _print_mutation_summary(summary: dict, records: list[dict]) -> None:
    s = summary
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


def cmd_schema(args) -> int:
    import json
    from verify.schema import claim_schema
    print(json.dumps(claim_schema(), indent=2))
    return 0


COMMANDS = {"all": cmd_all, "check": cmd_check, "list": cmd_list, "lint": cmd_lint, "graph": cmd_graph,
            "new": cmd_new, "mutate": cmd_mutate, "functions": cmd_functions, "samplers": cmd_samplers, "schema": cmd_schema}

if __name__ == "__main__":
    sys.exit(main())
