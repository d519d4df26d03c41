"""A claim's verdict and evidence, printed for the terminal (`verify check`)."""

from __future__ import annotations

from verify.status import LABELS


def print_claim(r: dict) -> None:
    verdict = "as expected" if r["as_expected"] else "NOT as expected"
    print(f"{r['id']}  [{r['kind']}]  {r['title']}")
    print(f"  file: {r['file']}    expect: {r['expect']}")
    print(f"  status: {LABELS.get(r['status'], r['status'])} ({verdict})")
    if r.get("message"):
        print(f"  {r['message']}")
    fnd = r.get("foundation", {})
    if fnd.get("status") == "rests-on":
        print(f"  foundation: holds on its own, rests on {', '.join(fnd['weak'])} (not checked here or not sound)")
    for i, c in enumerate(r.get("checks", []), 1):
        name = f" {c['name']}" if c.get("name") else ""
        engine = f" by {c['engine']}" if c.get("engine") else ""
        print(f"  check {i} ({c['kind']}{name}, line {c.get('line', '?')}): {c['outcome']}{engine} - {c['message']}")
        print(f"      {c.get('expr')}")
        ev = c.get("evidence") or {}
        if ev.get("drawn"):
            print(f"      drawn {ev['drawn']}, rejected {ev['rejected']}, checked {ev['checked']}, "
                  f"undecided {ev['undecided']}, precisions {ev.get('precisions')}"
                  + (f", worst margin {ev['worst_margin']}" if ev.get("worst_margin") else "")
                  + (f", worst residual {ev['worst_residual']}" if ev.get("worst_residual") else ""))
        for k, st in enumerate(c.get("steps") or [], 1):
            by = f" by {st['by']}" if st.get("by") else ""
            print(f"      step {k}: {st['rel']} {st['expr']}{by}: {st['outcome']} ({st['message']})")
        _print_cex(c.get("counterexample"))
    for n in r.get("necessity", []):
        print(f"  without {n['drop']}: {n['outcome']} - {n.get('message', '')}")
        _print_cex(n.get("counterexample"))
    print(f"  replay: {r['replay']}")


def _print_cex(cex) -> None:
    if not cex:
        return
    vals = ", ".join(f"{k} = {v}" for k, v in cex["values"].items())
    print(f"      counterexample{' (shrunk)' if cex.get('shrunk') else ''}: {vals}")
    if cex.get("lhs"):
        print(f"      lhs = {cex['lhs']}, rhs = {cex['rhs']}, margin {cex.get('margin')}")
