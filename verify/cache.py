"""The result cache: a claim is not re-checked when nothing its verdict depends on has changed.

The key of a claim is a sha256 over its file's data, the keys of the claims it uses (so editing a
lemma re-checks what rests on it), the seed, the precisions, verify's version, the versions of SymPy,
mpmath, z3 and python-flint, and mpmath's backend. Entries are JSON files written atomically (temp file + os.replace)
by the parent process only; a missing or corrupt entry is a miss, never an error. It is a cache
that may be invalidated at any time: `--no-cache` ignores it, deleting `.verify_cache/` empties it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Optional

import networkx as nx

DEFAULT_DIR = Path(".verify_cache")


def _canonical(data) -> str:
    def default(o):
        if isinstance(o, Fraction):
            return f"{o.numerator}/{o.denominator}"
        raise TypeError(type(o).__name__)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=default)


def environment_key(precisions, seed) -> str:
    """What every verdict depends on besides the claims: versions, backend, precisions, seed."""
    from importlib.metadata import version

    from mpmath.libmp import BACKEND

    from verify import __version__
    env = {"verify": __version__, "code": code_digest(), "sympy": version("sympy"),
           "mpmath": version("mpmath"), "z3": version("z3-solver"), "flint": version("python-flint"),
           "backend": BACKEND, "precisions": list(precisions), "seed": seed}
    return _canonical(env)


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of verify's own source, so a changed engine never reuses old verdicts."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def claim_keys(claims: dict, g: nx.DiGraph, precisions, seed) -> dict[str, str]:
    """A key per claim, folding in the keys of what it uses (claims on a cycle get none)."""
    env = environment_key(precisions, seed)
    keys: dict[str, str] = {}
    try:
        order = list(nx.topological_sort(g))
    except nx.NetworkXUnfeasible:
        order = [n for n in g if not any(n in c for c in nx.simple_cycles(g))]
    for cid in order:
        if cid not in claims:
            continue
        deps = sorted(g.predecessors(cid))
        if any(d not in keys for d in deps):
            continue
        text = _canonical({"claim": claims[cid].raw, "deps": [keys[d] for d in deps], "env": env})
        keys[cid] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return keys


class ResultCache:
    """Records by key under a folder; reads tolerate anything, writes are atomic."""

    def __init__(self, folder: Path = DEFAULT_DIR):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[dict]:
        try:
            rec = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return rec if isinstance(rec, dict) and rec.get("key") == key and "record" in rec else None

    def put(self, key: str, record: dict) -> None:
        if record.get("status") in ("timeout", None) or record.get("crash"):
            return  # a timeout or a crash may pass on a quieter machine: check again next time
        _atomic_write(self._path(key), json.dumps({"key": key, "record": record}, sort_keys=True))

    def durations(self) -> dict[str, float]:
        try:
            data = json.loads((self.folder / "durations.json").read_text(encoding="utf-8"))
            return {k: float(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (OSError, ValueError, TypeError):
            return {}

    def save_durations(self, durations: dict[str, float]) -> None:
        _atomic_write(self.folder / "durations.json", json.dumps(durations, sort_keys=True))


def _atomic_write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written is only slower
