"""One `verify all` over the repository's claims/ per test session, into temporary folders only,
and the same library checked again on one loaded core for tests/test_load_independence.py.

The tests marked `library` that read the ordinary run (tests/test_cli.py checks every verdict,
tests/test_browser.py looks at every page of the report) use the same run: the first to ask starts
it, later ones read what it left in the session's shared temporary folder (`shared_folder`: the
same for every pytest-xdist worker; a lock makes a second asker wait for the first). Nothing is
written inside the repository: the report and the cache live in the temporary folder
(`--no-cache` checks everything again).

The loaded run (the library confined to core 0 beside a busy loop on that core) is started in the
background as soon as the ordinary run has ended, when the session holds the test that reads it
(`conftest.py` leaves a note in the shared folder), so that the pytest workers go on with other
tests while it runs; that test is scheduled last and waits for it. It never overlaps the ordinary
run: it starts after it, whoever asks first.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
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
WANTED = "loaded-run.wanted"  # in the shared folder: the session holds the loaded run's test


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


def library_run(tmp_path_factory) -> dict:
    """{"out": report folder, "returncode", "stdout", "stderr", "seconds", "changed_in_repo": files of
    the repository's reports/ that the run created, removed or changed}."""
    shared = shared_folder(tmp_path_factory.getbasetemp())
    base = shared / "library-run"
    record = base / "run.json"
    with _locked(base):
        if not record.exists():
            _ordinary_run(base, record)
        if (shared / WANTED).exists():
            _start_loaded_run(base / "loaded")
    return json.loads(record.read_text())


def _ordinary_run(base: Path, record: Path) -> None:
    out = base / "reports"
    before = {name: _tree(REPO / name) for name in WATCHED}
    start = time.perf_counter()
    # the default limits: they count CPU time per check, so a loaded machine (another process on
    # both cores) gets the same verdicts as a quiet one (tests/test_load_independence.py)
    proc = subprocess.run([sys.executable, "-m", "verify.cli", "all", "--no-cache",
                           "--out", str(out), "--cache-dir", str(base / "cache")],
                          cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    data = {"out": str(out), "returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
            "seconds": round(time.perf_counter() - start, 1),
            "changed_in_repo": sorted(f"{name}/{f}" for name in WATCHED
                                      for f in set(before[name]) ^ set(_tree(REPO / name))
                                      | {f for f, v in _tree(REPO / name).items() if before[name].get(f, v) != v})}
    _write_json(record, data)


# -- the loaded run -------------------------------------------------------------------------------

def _session_pid() -> int:
    """The pytest process that holds the session: an xdist worker's parent, or this process."""
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


def _start_loaded_run(folder: Path) -> None:
    """Start the loaded run in the background unless it was started already (caller holds the lock)."""
    if (folder / "pid").exists() or not shutil.which("taskset"):
        return
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "wrapper.err", "w") as err:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "loaded", str(folder),
                                 str(_session_pid())], cwd=REPO, start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    (folder / "pid").write_text(str(proc.pid))
    _BACKGROUND.append(proc)  # kept: reaped by this process, and no "still running" warning


_BACKGROUND: list = []


def loaded_library_run(tmp_path_factory) -> dict:
    """The library checked again confined to core 0, where a busy loop runs too: {"out",
    "returncode", "stdout", "stderr", "seconds"}. Waits for the ordinary run first (and so never
    overlaps it), then for the loaded run, starting it if nobody has."""
    library_run(tmp_path_factory)
    folder = shared_folder(tmp_path_factory.getbasetemp()) / "library-run" / "loaded"
    with _locked(folder.parent):
        _start_loaded_run(folder)
    record = folder / "run.json"
    pid = int((folder / "pid").read_text())
    deadline = time.monotonic() + TIMEOUT + 120
    while not record.exists():
        if not _alive(pid) and not record.exists():
            raise AssertionError("the loaded run's wrapper ended without a result: "
                                 + (folder / "wrapper.err").read_text()[-2000:])
        if time.monotonic() > deadline:
            raise AssertionError(f"the loaded run did not end within {TIMEOUT} s")
        time.sleep(0.5)
    return json.loads(record.read_text())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def stop_loaded_run(shared: Path) -> None:
    """End a loaded run still going at the end of the session (its test was not reached)."""
    pid_file = shared / "library-run" / "loaded" / "pid"
    if pid_file.exists():
        pid = int(pid_file.read_text())
        if _alive(pid):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)  # the wrapper leads its own process group


def _loaded_main(folder: Path, session_pid: int) -> None:
    """In the background (its own process group): the busy loop and the run on core 0, then the record."""
    import threading

    out = folder / "reports"
    hog = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", "while True: pass"])

    def watch():  # the pytest session went away (killed, interrupted): end everything
        while _alive(session_pid):
            time.sleep(1)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()
    start = time.perf_counter()
    try:  # the run and a busy loop share core 0; the default limits, two workers
        proc = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-m", "verify.cli", "all", "--no-cache",
                                 "-j", "2", "--out", str(out), "--cache-dir", str(folder / "cache")],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stdout, stderr = proc.communicate(timeout=TIMEOUT)
            returncode = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            returncode, stderr = None, stderr + f"\n(killed: not done within {TIMEOUT} s)"
    finally:
        hog.kill()
        hog.wait()
    _write_json(folder / "run.json", {"out": str(out), "returncode": returncode, "stdout": stdout,
                                      "stderr": stderr, "seconds": round(time.perf_counter() - start, 1)})



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
    if sys.argv[1:2] == ["loaded"]:  # started by _start_loaded_run: FOLDER SESSION_PID
        _loaded_main(Path(sys.argv[2]), int(sys.argv[3]))
    else:  # python tests/library_run.py RESULTS.json: store its verdicts as the expected ones
        VERDICTS.write_text(json.dumps(verdicts(json.loads(Path(sys.argv[1]).read_text())), indent=1) + "\n")
        print(f"wrote {VERDICTS}")
