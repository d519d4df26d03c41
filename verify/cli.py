"""The `verify` command line: its parser, and main (settings, signals, exit codes); what each command
does is in verify.commands. Heavy imports (SymPy) happen inside the commands that need them."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
from pathlib import Path

from verify.commands import fail, lint, run

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


def _number(text: str, parse, fits, what: str):
    """`text` as a number (`parse`: int or float) that `fits`; else a usage error saying `what` it must be."""
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not fits(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def _seconds(text: str) -> float:
    """--timeout: a finite number of seconds above 0 (nan or inf would remove the limit)."""
    return _number(text, float, lambda v: 0 < v <= MAX_TIMEOUT_S,  # False for nan and inf too
                   f"a number of seconds above 0 and at most {MAX_TIMEOUT_S:g} (a week), as 120 or 0.5")


def _megabytes(text: str) -> int:
    """--memory-mb: a whole number of megabytes, from 64 to 1048576 (a memory limit always applies)."""
    return _number(text, int, lambda v: MIN_MEMORY_MB <= v <= MAX_MEMORY_MB,
                   f"a whole number of megabytes from {MIN_MEMORY_MB} to {MAX_MEMORY_MB}, as 2048")


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

    def add(name, help_, desc, claims=CLAIMS_HELP):
        """A command with its examples, and its --claims folder unless `claims` is None."""
        sp = sub.add_parser(name, help=help_, description=desc,
                            epilog="examples:\n" + textwrap.indent(EXAMPLES.get(name, ""), "  "),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        if claims is not None:
            sp.add_argument("--claims", default=None, help=claims)
        return sp

    def worker_opts(sp, timeout: float, timeout_help: str):
        sp.add_argument("--seed", type=int, default=None,
                        help="seed for every claim (default: a stable hash of each claim's id)")
        sp.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: the number of cores)")
        sp.add_argument("--timeout", type=_seconds, default=timeout, help=timeout_help)
        sp.add_argument("--memory-mb", type=_megabytes, default=2048, help="memory per worker in MB (default 2048)")

    def run_opts(sp):
        worker_opts(sp, 120.0, "safety net: CPU seconds per check (default 120; CPU time, so load does not "
                               "change a verdict; a worker is killed after 10x its claim's budget of wall time)")
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
            "Check one claim, given by file path or id, and print its verdict and evidence.",
            claims="folder to look the id up in; " + CLAIMS_HELP)
    c.add_argument("target", help="a claim file path or a claim id")
    run_opts(c)
    c.set_defaults(jobs=1)
    add("list", "list the claims with kind and title", "List the claims of the folder.")
    li = add("lint", "validate claim files without checking them",
             "Validate claim files (YAML, schema, expressions, graph) without running any check.")
    li.add_argument("paths", nargs="*", help="files (default: every file in --claims)")
    li.add_argument("--notes", default=None, metavar="DIR", help=NOTES_HELP)
    gr = add("graph", "print the dependency graph (text or DOT)", "Print the dependency graph.")
    gr.add_argument("--dot", action="store_true", help="Graphviz DOT instead of text")
    nw = add("new", "write a commented claim scaffold", "Write <claims folder>/<ID>.yaml, a commented "
             "scaffold that passes `verify check` as written; edit it into your claim.",
             claims="folder to write it into; " + CLAIMS_HELP)
    nw.add_argument("id", help="the new claim's id (letters, digits, _)")
    mu = add("mutate", "mutation test: are wrong variants of the claims rejected?",
             "Make wrong variants (mutants) of every claim that should hold - each inequality flipped, "
             "each constant changed, each square-matrix factor transposed, each hypothesis dropped - "
             "check them, and print the fraction rejected (the mutation score) with every survivor "
             "and its likely reason. Stillborn mutants (shape errors) are left out of the score.")
    mu.add_argument("ids", nargs="*", help="claim ids (default: every claim with expect: holds)")
    mu.add_argument("--out", default="mutation.json", help="where to write the records (default mutation.json)")
    mu.add_argument("--reclassify", metavar="FILE",
                    help="do not run anything: recompute the survivors' reasons (equivalent or not) in a "
                         "records file written by an earlier run, with today's classifier, and print its score")
    worker_opts(mu, 900.0, "CPU seconds per claim, all its mutants (default 900); each mutant gets at most "
                           "120 (a mutant not decided in time survives)")
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
        return fail(str(exc))
    from verify.report import output  # the report folder's lock, and signal handlers for a block
    try:
        with output.handling(TERMINATING, _terminate):
            return COMMANDS[args.command](args)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP (Terminated)
        _end_workers()
        how = f"terminated by {exc.name}" if isinstance(exc, Terminated) else "interrupted"
        print(f"{how}; the previous report is left as it was", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    finally:
        output.release_all()  # the lock on the report folder


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (what CI runners, `timeout` and a closed terminal send): handled as
    Ctrl-C is, so the workers are ended and the previous report is kept."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum, self.name = signum, signal.Signals(signum).name


TERMINATING = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


def _terminate(signum, frame):
    """While a command runs, SIGTERM and SIGHUP raise Terminated (main thread only)."""
    raise Terminated(signum)


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


COMMANDS = {"all": run.cmd_all, "check": run.cmd_check, "mutate": run.cmd_mutate, "list": lint.cmd_list,
            "lint": lint.cmd_lint, "graph": lint.cmd_graph, "new": lint.cmd_new, "functions": lint.cmd_functions,
            "samplers": lint.cmd_samplers, "schema": lint.cmd_schema}

if __name__ == "__main__":
    sys.exit(main())
