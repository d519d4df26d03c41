"""Lazy SymPy: `sp.Symbol` imports SymPy on first use, so `verify --help`, `list` and a fully
cached run never pay for it."""

from __future__ import annotations

import importlib


class _Lazy:
    def __init__(self, module: str):
        self._name, self._mod = module, None

    def __getattr__(self, attr):
        if self._mod is None:
            self._mod = importlib.import_module(self._name)
        return getattr(self._mod, attr)


sp = _Lazy("sympy")
S = _Lazy("verify.expr.symbolic")
