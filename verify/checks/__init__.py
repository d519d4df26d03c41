"""Check kinds: each is one module that registers a `CheckKind` with `@check_kind`
(verify/checks/registry.py: the registry and its facts; verify/checks/records.py: CHECK records).

Importing this package imports every kind, so the registry is complete.
"""

from verify.checks import calc, cited, exact, numeric, statistical, symbolic  # noqa: F401  (registration)
from verify.checks.registry import CHECKS, CheckKind, Settings, symbols_for  # noqa: F401
