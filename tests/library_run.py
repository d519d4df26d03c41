"""The session's one `verify all` over the repository's claims/, on a slowed and loaded machine.

The run is cold (`--no-cache`, two workers), writes into the session's shared temporary folder only
(`shared_folder`: the same for every pytest-xdist worker), and is slowed on purpose: a wrapper in
the background stops the whole run (SIGSTOP to its process group) for STOP_S seconds of every
STOP_S + RUN_S (a third of the time), while the pytest workers load the same two cores with other
tests: its workers get about a third of the machine a quiet run has. A slow machine must not change
a verdict (limits count CPU time per check; the wall clock is only a safety net), so this one run
serves every test marked `library`: tests/test_cli.py (every verdict as expected, and the verdicts
recorded in data/library_verdicts.json by a quiet run), tests/test_browser.py (every page of its
report) and tests/test_load_independence.py (the slowdown was real, and changed no verdict).
Stopping the run costs no CPU, where a busy loop beside it burned a core.

It starts in the background as soon as a session that holds a `library` test has collected
(conftest.py), so the pytest workers go on with other tests meanwhile; the library tests are
scheduled last and wait for it. Nothing is written inside the repository.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# the project whose claims/ the run checks: this repository (VERIFY_LIBRARY_ROOT points the
# library tests at another project, e.g. a small copy, to try them out cheaply)
REPO = Path(os.environ.get("VERIFY_LIBRARY_ROOT") or Path(__file__).resolve().parents[1])

WATCHED = ("reports",)  # the repository's own report: the test suite must leave it alone
TIMEOUT = 5400          # seconds: a safety net only (the limits count CPU time per check)
STOP_S, RUN_S = 0.1, 0.2  # the run is stopped this long, then runs this long, over and over


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}


def shared_folder(base: Path) -> Path:
    """The session's temporary folder that every pytest-xdist worker sees: the controller's base
    temporary folder (a worker's own is `<it>/popen-gwN`), or the base folder itself without xdist."""
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _locked(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)  # whole or absent: a reader never sees half a record


def _run_folder(base: Path) -> Path:
    return shared_folder(base) / "library-run"


def start_library_run(base: Path) -> None:
    """Start the session's run in the background unless it was started already (`base`: this
    process's base temporary folder)."""
    folder = _run_folder(base)
    with _locked(folder):
        if (folder / "pid").exists():
            return
        with open(folder / "wrapper.err", "w") as err:
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "slowed", str(folder),
                                     str(_session_pid())], cwd=REPO, start_new_session=True,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        (folder / "pid").write_text(str(proc.pid))
        _BACKGROUND.append(proc)  # kept: reaped by this process, and no "still running" warning


_BACKGROUND: list = []


def library_run(tmp_path_factory) -> dict:
    """The session's run, started if nobody has, once it has ended: {"out": report folder,
    "returncode" (None: killed by the safety net), "stdout", "stderr", "seconds" (wall), "stopped_s"
    (wall seconds the run spent stopped), "changed_in_repo": files of the repository's reports/
    that the run created, removed or changed}."""
    base = tmp_path_factory.getbasetemp()
    start_library_run(base)
    folder = _run_folder(base)
    record, pid = folder / "run.json", int((folder / "pid").read_text())
    deadline = time.monotonic() + TIMEOUT + 120
    while not record.exists():
        if not _alive(pid) and not record.exists():
            raise AssertionError("the library run's wrapper ended without a result: "
                                 + (folder / "wrapper.err").read_text()[-2000:])
        if time.monotonic() > deadline:
            raise AssertionError(f"the library run did not end within {TIMEOUT} s")
        time.sleep(0.5)
    return json.loads(record.read_text())


def _session_pid() -> int:
    """The pytest process that holds the session: an xdist worker's parent, or this process."""
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def stop_library_run(shared: Path) -> None:
    """End a run still going at the end of the session (its tests were not reached)."""
    folder = shared / "library-run"
    for name in ("run.pid", "pid"):  # the run leads its own process group, the wrapper another
        if (folder / name).exists():
            with contextlib.suppress(OSError, ValueError):
                os.killpg(int((folder / name).read_text()), signal.SIGKILL)


def _slowed_main(folder: Path, session_pid: int) -> None:
    """In the background (its own process group): the run, stopped STOP_S of every STOP_S + RUN_S
    seconds, then its record."""
    import threading

    out = folder / "reports"
    before = {name: _tree(REPO / name) for name in WATCHED}
    proc = subprocess.Popen([sys.executable, "-m", "verify.cli", "all", "--no-cache", "-j", "2",
                             "--out", str(out), "--cache-dir", str(folder / "cache")],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    (folder / "run.pid").write_text(str(proc.pid))
    done = threading.Event()
    stopped = [0.0]

    def stutter():  # the slow machine: the run and its workers stopped, then let go, until it ends
        while not done.is_set():
            t = time.perf_counter()
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGSTOP)
            done.wait(STOP_S)
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGCONT)
            stopped[0] += time.perf_counter() - t
            done.wait(RUN_S)

    def watch():  # the pytest session went away (killed, interrupted): end everything
        while _alive(session_pid):
            time.sleep(1)
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()
    slow = threading.Thread(target=stutter, daemon=True)
    start = time.perf_counter()
    slow.start()
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
        returncode = proc.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        returncode, stderr = None, stderr + f"\n(killed: not done within {TIMEOUT} s)"
    finally:
        done.set()
        slow.join()
    seconds = time.perf_counter() - start
    changed = sorted(f"{name}/{f}" for name in WATCHED
                     for f in set(before[name]) ^ set(_tree(REPO / name))
                     | {f for f, v in _tree(REPO / name).items() if before[name].get(f, v) != v})
    _write_json(folder / "run.json", {"out": str(out), "returncode": returncode, "stdout": stdout,
                                      "stderr": stderr, "seconds": round(seconds, 1),
                                      "stopped_s": round(stopped[0], 1), "changed_in_repo": changed})


VERDICTS = Path(__file__).resolve().parent / "data" / "library_verdicts.json"


def verdicts(results: dict) -> dict:
    """What a run decided, without timings or digits: per claim its status, whether it is as
    expected, each check's outcome and rung and each necessity case's outcome (results.json's
    margins may differ in their last digits between engine versions; these may not)."""
    def check(k: dict) -> str:
        return f"{k.get('kind')} {k.get('name') or ''}".strip() + f": {k.get('outcome')} ({k.get('rung')})"

    return {c["id"]: {"status": c["status"], "as_expected": c["as_expected"],
                      "checks": [check(k) for k in c.get("checks") or []],
                      "necessity": [f"{n.get('drop')}: {n.get('outcome')}" for n in c.get("necessity") or []]}
            for c in sorted(results["claims"], key=lambda c: c["id"])}


if __name__ == "__main__":
    if sys.argv[1:2] == ["slowed"]:  # started by start_library_run: FOLDER SESSION_PID
        _slowed_main(Path(sys.argv[2]), int(sys.argv[3]))
    else:  # python tests/library_run.py RESULTS.json: store its verdicts as the expected ones
        VERDICTS.write_text(json.dumps(verdicts(json.loads(Path(sys.argv[1]).read_text())), indent=1) + "\n")
        print(f"wrote {VERDICTS}")
