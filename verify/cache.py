"""The result cache: a claim is not re-checked when nothing its verdict depends on has changed.

The key of a claim is a sha256 over what its verdict reads: its file's data, the seed, the
precisions, verify's version, the versions of SymPy, mpmath, z3 and python-flint, and mpmath's
backend. No check reads another claim's file (a calc step's `by:` only names a lemma in `uses`), so
editing a lemma re-checks the lemma alone; what rests on it shows the lemma's new status at once,
because a claim's foundation is computed from the graph at every run, never cached. Entries are JSON files written atomically (temp file + os.replace)
by the parent process only, each one as soon as its verdict arrives (an interrupted run keeps what
it checked); a missing or corrupt entry is a miss, never an error. It is a cache that may be
invalidated at any time: `--no-cache` ignores it, deleting `.verify_cache/` empties it.

Integrity: whoever can write the cache folder must not be able to change a verdict. Every entry
(and the other files verify keeps there) is signed with an HMAC-SHA256 whose key is a random
secret kept *outside* the cache folder, in `$XDG_CONFIG_HOME/verify/cache-key` (by default
`~/.config/verify/cache-key`, created with mode 0600; when that cannot be written, a key file
beside the cache folder). An entry whose signature does not match is a miss, and is checked again.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_DIR = Path(".verify_cache")
MAX_FILE_BYTES = 32 * 1024 * 1024   # a cache file larger than this is ignored (it was not ours)
_KEY_BYTES = 32


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
    """A key per claim over its own data (claims on a cycle, or resting on one, get none)."""
    env = environment_key(precisions, seed)
    keys: dict[str, str] = {}
    for cid in _acyclic_order(g):
        if cid not in claims:
            continue
        deps = sorted(g.predecessors(cid))
        if any(d not in keys for d in deps):
            continue
        text = _canonical({"claim": claims[cid].raw, "env": env})
        keys[cid] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return keys


def _acyclic_order(g: nx.DiGraph) -> list[str]:
    """The claims on no cycle, each after what it uses: a topological order of the condensation
    (strongly connected components), linear in the graph; members of a cycle are left out."""
    import networkx as nx
    cond = nx.condensation(g)
    order = []
    for comp in nx.topological_sort(cond):
        members = cond.nodes[comp]["members"]
        node = next(iter(members))
        if len(members) == 1 and not g.has_edge(node, node):
            order.append(node)
    return order


def _key_files(folder: Path) -> list[Path]:
    """Where the signing secret may live, best first: the user's config folder, then a file beside
    (never inside) the cache folder."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    folder = Path(os.path.abspath(folder))
    return [Path(base) / "verify" / "cache-key", folder.parent / f".{folder.name}-key"]


def cache_secret(folder: Path) -> Optional[bytes]:
    """The secret that signs the cache in `folder`: read, or created (mode 0600) on first use.
    None when no candidate place can hold one; then nothing is read from or written to the cache."""
    for path in _key_files(folder):
        secret = _read_or_create_secret(path)
        if secret is not None:
            return secret
    return None


def _read_or_create_secret(path: Path) -> Optional[bytes]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = path.read_bytes()
            return secret if len(secret) >= _KEY_BYTES else None
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(_KEY_BYTES))
        return path.read_bytes()
    except OSError:
        return None


def sign(secret: bytes, payload: str) -> str:
    """The HMAC-SHA256 of `payload`, in hex."""
    return hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def write_signed(path: Path, payload: str, secret: Optional[bytes]) -> None:
    """Write `payload` (text) with its signature, atomically; nothing without a secret."""
    if secret is not None:
        _atomic_write(path, json.dumps({"payload": payload, "mac": sign(secret, payload)}))


def read_signed(path: Path, secret: Optional[bytes], max_bytes: Optional[int] = None) -> Optional[str]:
    """The payload of a file written by `write_signed`, or None: missing, larger than `max_bytes`
    (default MAX_FILE_BYTES), malformed, or signed with another key (edited by hand, or by someone else)."""
    if secret is None:
        return None
    try:
        if path.stat().st_size > (MAX_FILE_BYTES if max_bytes is None else max_bytes):
            return None
        outer = json.loads(path.read_text(encoding="utf-8"))
        payload, mac = outer["payload"], outer["mac"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not (isinstance(payload, str) and isinstance(mac, str)):
        return None
    return payload if hmac.compare_digest(sign(secret, payload), mac) else None


# schema_digest of the claim files that passed the JSON Schema (validation skips it for them); kept in
# the cache folder, signed: an entry added by hand would let a file skip it, so an unsigned list is ignored.
SCHEMA_PASSED: set[str] = set()


def schema_digest(raw: bytes) -> str:
    """What a claim file's schema pass is remembered by: its bytes and verify's code."""
    return hashlib.sha256(code_digest().encode() + raw).hexdigest()


def load_schema_passes(folder: Path) -> None:
    try:
        data = json.loads(read_signed(folder / "schema-passed.json", cache_secret(folder)) or "[]")
        SCHEMA_PASSED.update(d for d in data if isinstance(d, str))
    except (ValueError, TypeError):
        pass


def save_schema_passes(folder: Path) -> None:
    write_signed(folder / "schema-passed.json", json.dumps(sorted(SCHEMA_PASSED)), cache_secret(folder))


def cacheable(record: dict) -> bool:
    """Whether a verdict is kept: a timeout or a crash (a record with `crash`, records.claim_error)
    may pass on a quieter machine, so it is checked again next time."""
    return record.get("status") not in ("timeout", None) and not record.get("crash")


class ResultCache:
    """Signed records by key under a folder; reads tolerate anything, writes are atomic."""

    def __init__(self, folder: Path = DEFAULT_DIR):
        self.folder = folder

    @functools.cached_property
    def secret(self) -> Optional[bytes]:
        return cache_secret(self.folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[dict]:
        """The entry stored under `key`, when its signature holds; otherwise None (a miss)."""
        payload = read_signed(self._path(key), self.secret)
        if payload is None:
            return None
        try:
            rec = json.loads(payload)
        except ValueError:
            return None
        return rec if isinstance(rec, dict) and rec.get("key") == key and "record" in rec else None

    def put(self, key: str, record: dict) -> None:
        """Store one verdict now (signed, atomically)."""
        if not cacheable(record):
            return
        payload = json.dumps({"key": key, "record": record}, sort_keys=True)
        write_signed(self._path(key), payload, self.secret)

    def durations(self) -> dict[str, float]:
        try:
            data = json.loads(read_signed(self.folder / "durations.json", self.secret) or "{}")
            return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (ValueError, TypeError, AttributeError):
            return {}

    def save_durations(self, durations: dict[str, float]) -> None:
        write_signed(self.folder / "durations.json", json.dumps(durations, sort_keys=True), self.secret)


def _atomic_write(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`: a reader sees
    the old file or the new one, never a part. The temporary file goes if anything fails,
    an interruption included."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass  # a cache that cannot be written is only slower
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


@functools.lru_cache(maxsize=1)
def package_digest() -> str:
    """A digest of every file of the verify package (code, schemas, templates, static assets)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            h.update(str(path.relative_to(root)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def installed_versions(names) -> dict:
    """name -> the installed version of each distribution (None when absent): part of a digest key."""
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out
