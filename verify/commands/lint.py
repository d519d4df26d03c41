"""The commands that read claims without checking them: `verify list`, `lint` and `graph`; and
those that print the language or start a claim: `verify new`, `functions`, `samplers`, `schema`."""

from __future__ import annotations

import sys
from pathlib import Path

from verify.commands import fail
from verify.errors import Problem


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
        return fail(f"nothing to lint: no claim files (*.yaml, *.yml) in {where}{why}; "
                    "give files or a folder, or --claims DIR")
    loaded = load_folder(Path(args.claims), files)
    problems = list(loaded.problems)
    if files is None:
        problems += build_graph(loaded.claims)[1]
    problems += unrendered_latex(loaded.claims)
    from verify.sources import lint_sources
    source_problems, notice, located = lint_sources(loaded.claims.values(), Path(args.notes) if args.notes else None)
    problems += source_problems
    if notice:
        print(f"note: {notice}", file=sys.stderr)
    for p in problems:
        print(p)
    from verify.coverage import sampler_gaps  # samplers narrower than the hypotheses allow: warnings
    gaps = [sampler_gaps(c) for c in loaded.claims.values()]
    warnings, justified = [w for ws, _ in gaps for w in ws], sum(len(j) for _, j in gaps)
    if args.notes and not notice:
        warnings += _proof_citation_warnings(loaded.claims, Path(args.notes))
    for w in warnings:
        print(w)
    n = len(loaded.claims) + len(loaded.invalid_files)
    print(f"{len(loaded.claims)} of {n} files valid" + (f"; {len(problems)} problem(s)" if problems else "")
          + (f"; {len(warnings)} warning(s)" if warnings else "")
          + (f"; {justified} narrower sampler(s) justified by narrow:" if justified else "")
          + (f"; sources in the notes: {located['verbatim']} verbatim, {located['fuzzy']} by fuzzy match, "
             f"{located['span']} by span" if sum(located.values()) else ""), file=sys.stderr)
    return 2 if problems else 0


def _proof_citation_warnings(claims, notes_dir) -> list:
    """Lemmas the note's proofs cite that the claims covering them do not use (warnings)."""
    from verify.report.notes import proof_citations
    return [Problem(c.file, c.line_of("uses"), 1, f"warning: {message}",
                    "add the claim to uses:, or say in notes: why the proof does not need it")
            for c, message in proof_citations(list(claims.values()), notes_dir)]


def unrendered_latex(claims) -> list:
    """LaTeX that would not render in the report (shown there as source with a warning)."""
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
        return fail("an id is letters, digits and _, starting with a letter")
    path = Path(args.claims) / f"{args.id}.yaml"
    if path.exists():
        return fail(f"{path} exists; choose another id")
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


def cmd_schema(args) -> int:
    import json
    from verify.schema import claim_schema
    print(json.dumps(claim_schema(), indent=2))
    return 0
