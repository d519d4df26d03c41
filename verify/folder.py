"""The claim files of a folder, and how a file is named in messages (no YAML here: a fully cached
run lists the folder without importing the loader)."""

from __future__ import annotations

import os
from pathlib import Path

from verify.errors import Problem


def display_name(path: Path) -> str:
    """The name of a claim file in messages: relative to the working folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # outside the folder, or a symlink loop
        return str(path)


def scan_folder(claims_dir: Path) -> tuple[list[Path], list[Problem]]:
    """The claim files of a folder (sorted), and one problem per symlink that leaves the folder
    (skipped, never followed). A link that cannot be resolved (a loop) is kept: reading it gives
    its located problem, as does any entry that is not a regular file (a FIFO, a folder)."""
    root = claims_dir.resolve()
    out: list[Path] = []
    skipped: list[Problem] = []
    for p in sorted(claims_dir.glob("*.yaml")) + sorted(claims_dir.glob("*.yml")):
        try:
            target = p.resolve()
        except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a symlink loop
            out.append(p)
            continue
        if target.parent != root and root not in target.parents:
            link = os.path.normpath(os.path.join(display_name(p.parent), p.name))  # the link, not its target
            skipped.append(Problem(link, 0, 0, f"skipped: points outside the claims folder "
                                   f"(to {target})", "copy the file into the folder instead of "
                                   "linking to it, or remove the link"))
            continue
        out.append(p)
    return out, skipped
