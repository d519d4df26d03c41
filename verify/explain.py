"""Why a claim came out as it did, as lines of text: each check located (`file:line`), with its
hint, counterexample and margins, and the command that replays the run. The one explainer of
`verify check`, `verify all`'s summary, the pytest plugin and JUnit XML."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Optional

from verify.hints import error_hint
from verify.status import HOLDING, check_rung


def explain(rec: dict) -> list[str]:
    """A claim that is not as expected: `file:line: id: status (expected holds)`, then each check
    that does not hold and each necessity case that is not needed, and the replay command.
    `rec` is a claim record of results.json (docs/results-format.md)."""
    lines = [f"{rec['file']}:{rec['line']}: {rec['id']}: {rec['status']} (expected {rec['expect']})"]
    if rec.get("message"):
        lines.append(f"  {rec['message']}")
    for check in rec.get("checks") or []:
        if check_rung(check) not in HOLDING | {"accepted"}:
            lines += indent(explain_check(rec, check), 2)
    for case in rec.get("necessity") or []:
        if case["outcome"] != "needed":
            lines += indent(necessity_lines(case), 2)
    return lines + [f"  replay: {rec['replay']}"]


def explain_check(rec: dict, check: dict, evidence: bool = False) -> list[str]:
    """A check of the claim `rec`: `file:line: kind name: outcome by engine - message`, a hint for
    its error, and its counterexample with the two sides and the margin; with `evidence`, also its
    expression, what was drawn and checked, and its steps."""
    name = f" {check['name']}" if check.get("name") else ""
    engine = f" by {check['engine']}" if check.get("engine") else ""
    lines = [f"{rec['file']}:{check.get('line', '?')}: {check['kind']}{name}: {check['outcome']}{engine}"
             f" - {check['message']}"]
    hint = error_hint(check.get("message"))
    if hint:
        lines.append(f"  hint: {hint}")
    if evidence:
        lines += indent(evidence_lines(check), 2)
    return lines + indent(counterexample_lines(check.get("counterexample")), 2)


def evidence_lines(check: dict) -> list[str]:
    """A check's expression, its draws (drawn, rejected, checked, worst margin) and its steps."""
    lines = [str(check.get("expr"))]
    ev = check.get("evidence") or {}
    if ev.get("drawn"):
        lines.append(f"drawn {ev['drawn']}, rejected {ev['rejected']}, checked {ev['checked']}, "
                     f"undecided {ev['undecided']}, precisions {ev.get('precisions')}"
                     + (f", worst margin {ev['worst_margin']}" if ev.get("worst_margin") else "")
                     + (f", worst residual {ev['worst_residual']}" if ev.get("worst_residual") else ""))
    for k, st in enumerate(check.get("steps") or [], 1):
        by = f" by {st['by']}" if st.get("by") else ""
        lines.append(f"step {k}: {st['rel']} {st['expr']}{by}: {st['outcome']} ({st['message']})")
    return lines


def necessity_lines(case: dict) -> list[str]:
    """A necessity case: `without h: outcome - message`, and the instance it found."""
    return ([f"without {case['drop']}: {case['outcome']} - {case.get('message', '')}"]
            + indent(counterexample_lines(case.get("counterexample")), 2))


def counterexample_lines(cex: Optional[dict]) -> list[str]:
    """`counterexample (shrunk; confirmed by exact): x = 4`, then `lhs = 2.0, rhs = 2.5, margin -0.2`."""
    if not cex:
        return []
    lines = [f"{cex_heading(cex)}: " + ", ".join(f"{k} = {v}" for k, v in cex["values"].items())]
    if cex.get("lhs"):
        tail = [f"{k} {cex[k]}" for k in ("margin", "residual") if cex.get(k) not in (None, "", "None")]
        lines.append(f"lhs = {cex['lhs']}, rhs = {cex['rhs']}" + (", " + ", ".join(tail) if tail else ""))
    return lines


def cex_heading(cex: dict) -> str:
    """What an instance shown under a check is: a confirmed counterexample (and by what), the
    instance where evaluation failed, or a possible failure nothing could confirm."""
    label = cex.get("label", "counterexample")
    if label == "instance":
        return "evaluation failed at this instance"
    if label == "unconfirmed":
        return "possible counterexample, not confirmed"
    notes = [n for n in ("shrunk" if cex.get("shrunk") else "",
                         f"confirmed by {cex['confirmed_by']}" if cex.get("confirmed_by") else "") if n]
    return "counterexample" + (f" ({'; '.join(notes)})" if notes else "")


def replay_command(file: str, seed: Optional[int], options: str = "") -> str:
    """`verify check FILE --seed N`, the file by absolute path, so that it works pasted anywhere."""
    return (f"verify check {shlex.quote(str(Path(file).resolve()))}"
            + (f" --seed {seed}" if seed is not None else "") + options)


def indent(lines: list[str], n: int) -> list[str]:
    return [" " * n + line for line in lines]
