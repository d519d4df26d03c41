"""A small supervisor: one forked worker per claim, with a deadline and a memory limit.

Signals cannot interrupt GMP and `concurrent.futures` cannot cancel a running task, so each claim
runs in its own forked process (cheap after the parent imported SymPy); an overdue worker is
killed with SIGKILL, a worker that dies is that claim's error, and the run goes on.
"""

from __future__ import annotations

import multiprocessing as mp_
import os
import resource
import signal
import sys
import time
from multiprocessing.connection import wait
from typing import Callable, Iterable, Optional

from verify.checks.records import claim_error
from verify.model import Claim

DEFAULT_TIMEOUT_S = 120.0   # CPU seconds per check (load-independent); see claim_budget
DEFAULT_MEMORY_MB = 2048
WALL_FACTOR = 10            # the wall-clock safety net: this many times a claim's CPU budget


def claim_budget(claim: Claim, per_check_s: float) -> float:
    """A claim's CPU budget: `per_check_s` for each check and necessity case, one more for setup.
    Verdicts are decided by counts of work; these limits only stop runaway input, and they count
    CPU time, so a loaded machine does not reach them sooner than a quiet one."""
    units = len(getattr(claim, "checks", ())) + len(getattr(claim, "necessity", ())) + 1
    return per_check_s * units


def _die_with_parent() -> None:
    """Make this worker end when the process that started it ends, however it ends (SIGKILL too):
    on Linux the kernel sends SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere a thread watches the
    pipe multiprocessing keeps to the parent. SIGTERM and SIGHUP get their default action back
    (the parent turns them into an exception, which a worker must not catch and survive)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    parent = mp_.parent_process()
    expected = parent.pid if parent is not None else os.getppid()
    if not _pdeathsig(signal.SIGKILL) and parent is not None and parent.sentinel is not None:
        import threading
        threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), daemon=True).start()
    if os.getppid() != expected:  # the parent died before the request took effect
        os._exit(1)


def _pdeathsig(sig: int) -> bool:
    """prctl(PR_SET_PDEATHSIG, sig) on Linux; False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(sig), 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def _exit_when_ready(sentinel) -> None:
    """Block until the parent's end of the pipe closes (the parent died), then exit at once."""
    wait([sentinel])
    os._exit(1)


def _child(conn, claim: Claim, seed, precisions, memory_mb: int, timeout_s: float, job=None,
           cpu_budget_s: float = 0.0) -> None:
    """Worker body: limits (RLIMIT_CPU: the claim's CPU budget), then check the claim and send the record."""
    _die_with_parent()
    try:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = int(cpu_budget_s or claim_budget(claim, timeout_s)) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (ValueError, OSError):
        pass
    from verify.check_claim import check_claim
    try:
        record = job(claim, seed, precisions) if job else check_claim(claim, seed, precisions, cpu_s=timeout_s)
    except MemoryError:
        record = claim_error(claim.id, "error", f"too large: the check needed more than {memory_mb} MB "
                             "(raise it with --memory-mb if you mean it)", "memory")
    except BaseException as exc:  # noqa: BLE001 - report anything, never hang the parent
        record = claim_error(claim.id, "error", f"worker crashed: {type(exc).__name__}: {exc}", "exception")
    try:
        conn.send(record)
    except Exception:  # noqa: BLE001
        pass
    conn.close()
    os._exit(0)


def run_all(claims: Iterable[Claim], jobs: int = 1, timeout_s: float = DEFAULT_TIMEOUT_S,
            memory_mb: int = DEFAULT_MEMORY_MB, seed: Optional[int] = None,
            precisions=(50, 80), on_done: Optional[Callable[[dict], None]] = None,
            job: Optional[Callable] = None, budget: Optional[Callable[[Claim], float]] = None) -> dict[str, dict]:
    """Check claims in parallel worker processes; return records by id. `timeout_s` is the CPU
    budget of each check, and `budget(claim)` (default `claim_budget`) the CPU budget of a whole
    worker; a worker is killed only past WALL_FACTOR times that budget of wall-clock time.
    `job(claim, seed, precisions) -> record` replaces `check_claim` (the mutate command runs
    mutants this way, with its own budget per claim)."""
    ctx = mp_.get_context("fork")
    queue = list(claims)
    budget_of = budget or (lambda claim: claim_budget(claim, timeout_s))

    def wall_net(claim: Claim) -> float:
        return WALL_FACTOR * budget_of(claim)

    if queue:  # import SymPy (~0.3 s), z3 and the certificates with python-flint (~50 ms) once
        import verify.expr.symbolic  # noqa: F401   here: each forked worker starts with them loaded
        import verify.certify.balls  # noqa: F401
        import verify.certify.smt  # noqa: F401
        import z3  # noqa: F401
    running: dict = {}  # conn -> (process, claim, started)
    results: dict[str, dict] = {}

    def finish(rec: dict) -> None:
        results[rec["id"]] = rec
        if on_done:
            on_done(rec)

    while queue or running:
        while queue and len(running) < max(1, jobs):
            claim = queue.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(child, claim, seed, precisions, memory_mb, timeout_s, job, budget_of(claim)),
                               daemon=True)
            proc.start()
            child.close()
            running[parent] = (proc, claim, time.monotonic())
        now = time.monotonic()
        next_deadline = min(start + wall_net(c) for _, c, start in running.values())
        ready = wait(list(running) + [p.sentinel for p, _, _ in running.values()],
                     timeout=max(0.0, next_deadline - now))
        for conn in list(running):
            proc, claim, start = running[conn]
            if conn in ready or proc.sentinel in ready:
                rec = None
                try:
                    if conn.poll():
                        rec = conn.recv()
                except (EOFError, OSError):
                    rec = None
                proc.join(timeout=5)
                if rec is None:
                    code = proc.exitcode
                    why = (f"killed by signal {-code} ({signal.Signals(-code).name})" if code and code < 0
                           else f"exit code {code}")
                    rec = claim_error(claim.id, "error", f"the worker died ({why}) - possibly out of memory "
                                      f"(limit {memory_mb} MB) or a crash in a C library", "died")
                del running[conn]
                conn.close()
                finish(rec)
            elif time.monotonic() - start > wall_net(claim):
                proc.kill()
                proc.join(timeout=5)
                del running[conn]
                conn.close()
                finish(claim_error(claim.id, "timeout", f"stopped by the wall-clock safety net after "
                                   f"{wall_net(claim):g} s ({WALL_FACTOR} times its CPU budget; raise the "
                                   "budget with --timeout if you mean it)", "wall-clock"))
    return results
