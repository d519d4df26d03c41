"""The terminal: a claim's verdict and evidence (`verify check`), and the progress of `verify all`."""

from __future__ import annotations

import sys
import time
from typing import Optional

from verify.explain import explain_check, indent, necessity_lines
from verify.status import LABELS


def outcome_text(rec: dict) -> str:
    """A finished claim in a few words: `proved`, `refuted, as expected`, `error, NOT as expected`."""
    status = rec.get("status")
    word = "timed out" if status == "timeout" else str(status)
    if rec.get("as_expected"):
        return "refuted, as expected" if status == "refuted" else word
    return f"{word}, NOT as expected"


class Progress:
    """The progress of `verify all` on stderr.

    On a terminal: a live bar (tqdm) with the count, the claims being checked now and an estimate
    of the time left; a claim that is not as expected is also printed above the bar, so it stays
    in the scrollback. Elsewhere (CI logs, a file): one plain line per claim, `[k/n] id: outcome`.
    """

    def __init__(self, jobs: int = 1, stream=None, live: Optional[bool] = None):
        self.stream = stream if stream is not None else sys.stderr
        self.live = _is_terminal(self.stream) if live is None else live
        self.jobs = max(1, int(jobs or 1))
        self.total, self.done, self.t0 = 0, 0, time.time()
        self.waiting: list[str] = []
        self.running: list[str] = []
        self.bar = None

    def start(self, n: int, cached: int = 0, order: Optional[list] = None) -> None:
        self.total, self.done = n, 0
        reused = f" ({cached} unchanged, reused from the cache)" if cached else ""
        print(f"checking {n} claim{'s' if n != 1 else ''}{reused} ...", file=self.stream, flush=True)
        # the workers take the claims in this order, `jobs` at a time
        self.waiting = list(order or [])
        self.running, self.waiting = self.waiting[:self.jobs], self.waiting[self.jobs:]
        if self.live and n:
            from tqdm import tqdm
            width = _width(self.stream)  # 0 on a terminal that does not say (a bare pty): assume 100
            self.bar = tqdm(total=n, file=self.stream, unit="claim", leave=True, desc="checking",
                            dynamic_ncols=width > 0, ncols=None if width > 0 else 100,
                            nrows=None if width > 0 else 24,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed} elapsed, "
                                       "about {remaining} left]{postfix}")
            self._show_running()

    def __call__(self, rec: dict) -> None:
        self.done += 1
        cid = rec.get("id")
        if cid in self.running:
            self.running.remove(cid)
            if self.waiting:
                self.running.append(self.waiting.pop(0))
        elif cid in self.waiting:
            self.waiting.remove(cid)
        t = rec.get("duration_s")
        line = f"[{self.done}/{self.total}] {cid}: {outcome_text(rec)}" + (f" ({t:.1f} s)" if t else "")
        if not rec.get("as_expected") and rec.get("message"):
            line += f" - {rec['message']}"
        if self.bar is None:
            print(line, file=self.stream, flush=True)
            return
        if not rec.get("as_expected"):
            self.bar.write(line, file=self.stream)
        self.bar.update(1)
        self._show_running()
        if self.done >= self.total:
            self.close()

    def _show_running(self) -> None:
        if self.bar is None:
            return
        now = ", ".join(self.running[:3]) + (f" +{len(self.running) - 3}" if len(self.running) > 3 else "")
        self.bar.set_postfix_str(f" now: {now}" if now else "", refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str("", refresh=False)
            self.bar.set_description_str("checked", refresh=True)
            self.bar.close()
            self.bar = None


def _width(stream) -> int:
    import os
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def foundation_text(r: dict, others: dict) -> str:
    """`rests on A: refuted, NOT as expected; B: not checked by this command`, each dependency by
    name with what is known of it (`others`: id -> a record with status and as_expected)."""
    parts = []
    for w in r.get("foundation", {}).get("weak", []):
        o = others.get(w)
        if o is None:
            parts.append(f"{w}: not checked by this command (`verify all` checks it)")
        else:
            where = ", from the cache" if o.get("cached") else ""
            parts.append(f"{w}: {outcome_text(o)}{where}")
    return "rests on " + "; ".join(parts)


def _sound(rec: Optional[dict]) -> bool:
    """A dependency's record says it holds as expected (an erratum refuted as expected is not sound)."""
    return bool(rec) and bool(rec.get("as_expected")) and rec.get("status") != "refuted"


def print_claim(r: dict, others: dict) -> None:
    verdict = "as expected" if r["as_expected"] else "NOT as expected"
    print(f"{r['id']}  [{r['kind']}]  {r['title']}")
    print(f"  file: {r['file']}    expect: {r['expect']}")
    print(f"  status: {LABELS.get(r['status'], r['status'])} ({verdict})")
    if r.get("scope"):
        print(f"  scope: {r['scope']}")
    if r.get("message"):
        print(f"  {r['message']}")
    fnd = r.get("foundation", {})
    if fnd.get("status") == "rests-on":
        weak = fnd.get("weak") or []
        if weak and all(_sound(others.get(w)) for w in weak):
            print(f"  foundation: sound - every claim it rests on ({', '.join(weak)}) came out as expected "
                  "in an earlier run with these settings (from the cache)")
        else:
            print(f"  foundation: {foundation_text(r, others)}")
    for c in r.get("checks", []):
        print(*indent(explain_check(r, c, evidence=True), 2), sep="\n")
    for n in r.get("necessity", []):
        print(*indent(necessity_lines(n), 2), sep="\n")
    for name in missing_necessity(r):
        print(f"  without {name}: no case given (add a necessity case that drops it)")
    print(f"  replay: {r['replay']}")


def missing_necessity(r: dict) -> list[str]:
    """The hypotheses of a claim that should hold for which no necessity case was given."""
    if r.get("expect") != "holds":
        return []
    given = {n.get("drop") for n in r.get("necessity") or []}
    return [h["name"] for h in r.get("assume") or [] if h.get("name") not in given]

