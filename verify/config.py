"""Where verify reads and writes: the claims folder, the report folder, the cache, the report's title,
the lecture notes the claims quote.

Settings come, strongest first, from the command line (`--claims`, `--out`, `--cache-dir`), the
environment (`VERIFY_CACHE_DIR`), a `[tool.verify]` table in the nearest pyproject.toml that has
one (searched from the current folder upwards), and the defaults:

    [tool.verify]
    claims = "claims"                  # folder of claim files
    out = "reports"                    # report folder
    cache = ".verify_cache"            # result cache (default: beside the report folder)
    title = "Claims, checked"          # the report's title
    notes = "../shared/notes"          # the lecture notes the claims quote (--notes)
    mutation = "bench/results/mutation.json"  # a `verify mutate` run: each claim's strength (--mutation)

Paths in the table are relative to the folder of that pyproject.toml; paths given on the command
line or in the environment are relative to the current folder. The cache never lives inside a
claims folder: by default it is `.verify_cache/` beside the report folder, and if that would put it
inside the claims folder it moves beside the claims folder instead. The notes folder has no
default: without it (or when it is missing) sources are not located and the report has no note
pages.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_TITLE = "Claims, checked"
CACHE_ENV = "VERIFY_CACHE_DIR"
CACHE_NAME = ".verify_cache"
KEYS = {"claims": "folder of claim files", "out": "report folder", "cache": "result cache folder",
        "title": "the report's title", "notes": "folder of the lecture notes the claims quote",
        "mutation": "records of a `verify mutate` run shown as each claim's strength"}


class ConfigError(Exception):
    """A [tool.verify] table that cannot be used; the message names the file and the key."""


@dataclass
class Config:
    claims: Path
    out: Path
    cache: Optional[Path]        # set explicitly (pyproject); None: derived from out and claims
    title: str
    pyproject: Optional[Path]    # the file the settings came from, if any
    notes: Optional[Path] = None  # the lecture notes (None: not configured)
    mutation: Optional[Path] = None  # a `verify mutate` records file (None: mutation.json when present)

    def cache_dir(self, claims: Optional[Path] = None, out: Optional[Path] = None,
                  cli: Optional[str] = None, env: Optional[dict] = None) -> Path:
        """The cache folder: --cache-dir, then $VERIFY_CACHE_DIR, then [tool.verify] cache, then
        `.verify_cache/` beside the report folder (beside the claims folder if that is inside it)."""
        env = os.environ if env is None else env
        if cli:
            return Path(cli)
        if env.get(CACHE_ENV):
            return Path(env[CACHE_ENV])
        if self.cache is not None:
            return self.cache
        claims = Path(claims) if claims is not None else self.claims
        out = Path(out) if out is not None else self.out
        candidate = out.parent / CACHE_NAME
        if _inside(candidate, claims):
            candidate = claims.resolve().parent / CACHE_NAME
        return candidate


    def notes_for(self, claims: Optional[Path]) -> Optional[Path]:
        """The configured notes folder, for claims of this project: None when the claims folder
        lies outside the folder of the pyproject.toml that configures the notes (another
        project's claims do not quote this project's notes)."""
        if self.notes is None:
            return None
        if claims is None or self.pyproject is None or _inside(Path(claims), self.pyproject.parent):
            return self.notes
        return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        p, f = path.resolve(), folder.resolve()
    except OSError:
        return False
    return p == f or f in p.parents


def find_pyproject(start: Optional[Path] = None) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.verify] table, from `start` (default: the current
    folder) upwards; None when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "verify" in data["tool"]:
                return candidate
    return None


def load_config(start: Optional[Path] = None) -> Config:
    """The settings in force in `start` (default: the current folder)."""
    path = find_pyproject(start)
    if path is None:
        return Config(claims=Path("claims"), out=Path("reports"), cache=None, title=DEFAULT_TITLE,
                      pyproject=None)
    table = tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["verify"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.verify] must be a table")
    from verify.errors import did_you_mean
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{path}: [tool.verify] has an unknown key {key!r}{did_you_mean(key, KEYS)}; "
                              f"the keys are {', '.join(KEYS)}")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{path}: [tool.verify] {key} must be a non-empty string ({KEYS[key]})")
    root = path.parent

    def where(key: str, default: Optional[str]) -> Optional[Path]:
        value = table.get(key, default)
        if value is None:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else _relative(root / p)

    return Config(claims=where("claims", "claims"), out=where("out", "reports"), cache=where("cache", None),
                  title=table.get("title", DEFAULT_TITLE), pyproject=path, notes=where("notes", None),
                  mutation=where("mutation", None))


def _relative(path: Path) -> Path:
    """`path` relative to the current folder when it lies below it (shorter messages), else as is."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path
