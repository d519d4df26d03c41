"""The report folder of a run: checked before any claim is checked, locked, and replaced whole.

`verify all --out reports` keeps `reports/` a real folder. A run

1. takes a lock beside it (`.reports.lock`, an flock: released by the kernel if the run dies), so a
   second run into the same folder says that a run is in progress instead of mixing two reports;
2. repairs what a killed run may have left: `reports/` missing while a complete new report
   (`.reports.new-*`) or the previous one (`.reports.old-*`) waits beside it, and stale
   `.reports.building-*` folders;
3. makes sure, before any check runs, that the report can be written there (`--out` is not a file,
   the folder can be written, the disk is not full);
4. builds the new report in `.reports.building-XXXX`, renames it `.reports.new-XXXX` once it is
   complete, and swaps it with `reports/` in one step (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere
   two renames, with step 2 as the recovery). A reader, or a kill at any moment, sees the old report
   or the new one, never a mix. Files the report does not own (say a JUnit XML file) are carried over.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import glob
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterator

OWNED = frozenset({"index.html", "graph.html", "graph-notes.html", "results.json", "claims", "static",
                   "notes", ".inputs.json"})
_PROBE_BYTES = 256 * 1024   # written and synced once before the run, to find a full disk early


class OutputError(Exception):
    """The report folder cannot be used; the message is one line that says how to fix it."""


class _Lock:
    """An exclusive flock on `.NAME.lock` beside the report folder, held by this process."""

    def __init__(self, path: Path, fd: int):
        self.path, self.fd = path, fd

    def release(self) -> None:
        """Remove the lock file (while still holding the lock, so no one locks a dead file), unlock."""
        try:
            if _same_file(self.path, self.fd):
                os.unlink(self.path)
        except OSError:
            pass
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)  # also for forked children that share the descriptor
        finally:
            os.close(self.fd)


_HELD: dict[Path, _Lock] = {}   # report folder (absolute) -> the lock this process holds on it


def _target(out: Path) -> Path:
    """The absolute report folder (a symlink to a folder stands for its target)."""
    out = Path(os.path.abspath(out))
    return out.resolve() if out.is_symlink() and out.is_dir() else out


def _siblings(out: Path, kind: str) -> list[Path]:
    """`.NAME.KIND-*` folders beside `out` (kind: building, new, old), newest first."""
    found = glob.glob(os.path.join(glob.escape(str(out.parent)), glob.escape(f".{out.name}.{kind}-") + "*"))
    paths = [Path(p) for p in found]
    return sorted(paths, key=lambda p: _mtime(p), reverse=True)


def _mtime(p: Path) -> float:
    try:
        return p.lstat().st_mtime
    except OSError:
        return 0.0


def _same_file(path: Path, fd: int) -> bool:
    try:
        a, b = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _acquire(out: Path) -> _Lock:
    """Lock `out` for this process, or raise OutputError naming the run that holds it."""
    path = out.parent / f".{out.name}.lock"
    for _ in range(20):  # the file may be removed by its holder between our open and flock
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as e:
            raise OutputError(f"cannot create the lock file {path}: {e.strerror}; "
                              "give a folder you can write with --out") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = _read_pid(fd)
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutputError(f"another verify run{holder} is writing the report in {out}/; "
                                  "wait for it to finish, or give another folder with --out") from None
            raise OutputError(f"cannot lock {path}: {e.strerror}") from None
        if _same_file(path, fd):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return _Lock(path, fd)
        os.close(fd)
    raise OutputError(f"cannot lock {path}: it keeps changing; is another run starting?")


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def _recover(out: Path) -> None:
    """Repair what a killed run left beside `out`: put a complete report back when `out` is
    missing, then remove stale build, new and old folders. Runs under the lock."""
    if not os.path.lexists(out):
        for kind in ("new", "old"):  # a complete new report, else the previous one
            found = _siblings(out, kind)
            if found:
                os.rename(found[0], out)
                break
    for kind in ("building", "new", "old"):
        for stale in _siblings(out, kind):
            shutil.rmtree(stale, ignore_errors=True)


def _check_writable(out: Path) -> None:
    """Raise OutputError unless a report can be written beside `out` and `out` can be replaced."""
    for folder in [out] + [out / sub for sub in ("claims", "static")]:
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"the report folder {folder}/ is read-only; make it writable "
                              "(chmod u+w) or give another folder with --out")
    probe = None
    try:
        probe = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
        with open(probe / "probe", "wb") as fh:
            fh.write(b"\0" * _PROBE_BYTES)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as e:
        why = "the disk is full" if e.errno == errno.ENOSPC else e.strerror
        raise OutputError(f"cannot write the report beside {out}/: {why}; "
                          "free some space, or give another folder with --out") from None
    finally:
        if probe is not None:
            shutil.rmtree(probe, ignore_errors=True)


def prepare_output(out: Path) -> None:
    """Before any check: lock the report folder for this run, repair a killed run's leftovers,
    and make sure the report can be written. Raises OutputError (a usage error). Idempotent."""
    out = _target(out)
    if out in _HELD:
        return
    if os.path.lexists(out) and not out.is_dir():
        raise OutputError(f"--out {out}: this is a file, not a folder; give a folder "
                          "(it is created when missing)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the folder {out.parent}/: {e.strerror}; "
                          "give another folder with --out") from None
    lock = _acquire(out)
    try:
        _recover(out)
        _check_writable(out)
    except BaseException:
        lock.release()
        raise
    _HELD[out] = lock


def release(out: Path) -> None:
    """Release this process's lock on `out` (nothing when it holds none)."""
    lock = _HELD.pop(_target(out), None)
    if lock is not None:
        lock.release()


def release_all() -> None:
    """Release every report lock this process holds (the command line calls it on the way out)."""
    for out in list(_HELD):
        release(out)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[Path]:
    """The report folder, locked for the block: the run's lock when it already holds one,
    otherwise taken (and checked, and repaired) here and released after."""
    target = _target(out)
    mine = target not in _HELD
    prepare_output(target)
    try:
        yield target
    finally:
        if mine:
            release(target)


def new_build_folder(out: Path) -> Path:
    """A fresh, empty folder beside `out` to build the next report in."""
    out = _target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    while True:  # not tempfile.mkdtemp: its mode 0700 would become the report folder's
        path = out.parent / f".{out.name}.building-{secrets.token_hex(4)}"
        try:
            os.mkdir(path)  # mode 0777 less the umask, as any folder the user makes
            return path
        except FileExistsError:
            continue


def swap_in(built: Path, out: Path) -> None:
    """Replace the report folder `out` by the complete report in `built` (a sibling) in one step;
    the previous report is removed after. Files of `out` that the report does not own come along."""
    out = _target(out)
    _carry_foreign(out, built)
    ready = built.with_name(built.name.replace(".building-", ".new-", 1))
    with _signals_deferred():  # Ctrl-C or SIGTERM take effect after the switch, not inside it
        os.rename(built, ready)  # complete: a killed run's recovery may now promote it
        if not os.path.lexists(out):
            os.rename(ready, out)
            return
        if not _exchange(ready, out):
            old = ready.with_name(ready.name.replace(".new-", ".old-", 1))
            os.rename(out, old)
            os.rename(ready, out)
            ready = old
    shutil.rmtree(ready, ignore_errors=True)  # now the previous report


def _carry_foreign(out: Path, built: Path) -> None:
    """Link (or copy) into `built` each entry of `out` that the report does not own."""
    if not out.is_dir():
        return
    for entry in sorted(out.iterdir()):
        if entry.name in OWNED or os.path.lexists(built / entry.name):
            continue
        dest = built / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), dest)
        elif entry.is_dir():
            shutil.copytree(entry, dest, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, dest)


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where the system
    or the file system cannot, and then nothing was changed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@contextlib.contextmanager
def handling(signals: tuple, handler) -> Iterator[None]:
    """`handler` for each of `signals` during the block (main thread only: elsewhere Python cannot
    set one), the previous handlers restored after, however the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, signal.SIG_DFL if previous is None else previous)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block (main thread only), then deliver them."""
    caught: list[int] = []
    try:
        with handling((signal.SIGINT, signal.SIGTERM), lambda signum, frame: caught.append(signum)):
            yield
    finally:
        for signum in caught:
            signal.raise_signal(signum)

