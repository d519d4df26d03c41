"""What the `verify` commands do; verify.cli parses the command line and calls them. `run`: the
commands that check claims (all, check, mutate); `lint`: those that read them without checking."""

from __future__ import annotations

import sys


def fail(message: str) -> int:
    """A usage error: `error: message` on stderr, and exit code 2."""
    print(f"error: {message}", file=sys.stderr)
    return 2
