"""The parsed expression printed back as LaTeX, so a mismatch between prose and check shows.

Printed from the tree that the engines evaluate (not from the text the author wrote).
"""

from __future__ import annotations

import re
from fractions import Fraction

from verify.expr import nodes as N
from verify.expr.functions import BODIES

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "@": 6, "/": 6,
         "neg": 7, "**": 8, "atom": 9}
_CMP = {"==": "=", "!=": r"\neq", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge"}
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "nu", "xi",
          "rho", "sigma", "tau", "phi", "psi", "omega", "kappa", "zeta", "chi", "Delta", "Gamma",
          "Lambda", "Sigma", "Phi", "Psi", "Omega", "Theta"}
def named_operator(fn: str) -> bool:
    """Whether `fn` prints as an operator name chosen for it (`\\det`, `\\operatorname{tr}`),
    not the generic `\\operatorname{fn}`."""
    return fn in BODIES and BODIES[fn].latex is not None


_NAMES: dict[str, str] = {}  # symbol -> LaTeX declared in the claim (set by to_latex)
_ALIASES = {"eps": r"\epsilon", "lam": r"\lambda", "Lam": r"\Lambda"}


def name_latex(name: str) -> str:
    if name in _NAMES:
        return _NAMES[name]
    if name in _ALIASES:
        return _ALIASES[name]
    m = re.match(r"([A-Za-z]+?)(\d+|_[A-Za-z0-9_]+)?$", name)
    base, sub = (m.group(1), m.group(2)) if m else (name, None)
    if name in _GREEK:
        return "\\" + name
    if base in _GREEK:
        base = "\\" + base
    elif len(base) > 1:
        base = r"\mathrm{" + base + "}"
    if sub:
        sub = sub.lstrip("_").replace("_", r"\_")
        return f"{base}_{{{sub}}}"
    return base


def _num(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    sign = "-" if v < 0 else ""
    s = str(float(abs(v)))
    if Fraction(s) == abs(v) and len(s) < 12:
        return sign + s
    return rf"{sign}\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"


def to_latex(node: N.Node, names: dict[str, str] | None = None) -> str:
    """LaTeX of a tree; `names` maps symbols to the LaTeX their claim declares."""
    global _NAMES
    saved, _NAMES = _NAMES, dict(names or {})
    try:
        return _tex(node)[0]
    finally:
        _NAMES = saved


def _wrap(s: str, p: int, need: int) -> str:
    return rf"\left({s}\right)" if p < need else s


def _tex(node) -> tuple[str, int]:
    t = type(node)
    if t is N.Num:
        return _num(node.value), (_PREC["neg"] if node.value < 0 else _PREC["atom"])
    if t is N.Const:
        return {"pi": r"\pi", "E": "e", "oo": r"\infty", "I": "I"}[node.name], _PREC["atom"]
    if t is N.Sym:
        return name_latex(node.name), _PREC["atom"]
    if t is N.Item:
        return f"{name_latex(node.base)}_{{{','.join(_tex(i)[0] for i in node.index)}}}", _PREC["atom"]
    if t is N.Neg:
        s, p = _tex(node.operand)
        return "-" + _wrap(s, p, _PREC["neg"] + 1 if p == _PREC["neg"] else _PREC["*"]), _PREC["neg"]
    if t is N.BinOp:
        return _binop(node)
    if t is N.Compare:
        parts = [_wrap(*_tex(o), _PREC["cmp"] + 1) for o in node.operands]
        out = parts[0]
        for op, part in zip(node.ops, parts[1:]):
            out += f" {_CMP[op]} {part}"
        return out, _PREC["cmp"]
    if t is N.Logic:
        if node.op == "not":
            return r"\neg " + _wrap(*_tex(node.operands[0]), _PREC["not"]), _PREC["not"]
        sep = r" \;\wedge\; " if node.op == "and" else r" \;\vee\; "
        p = _PREC[node.op]
        return sep.join(_wrap(*_tex(o), p + 1) for o in node.operands), p
    if t is N.Call:
        return _call(node)
    return str(node), _PREC["atom"]


def _binop(node: N.BinOp) -> tuple[str, int]:
    op = node.op
    left, lp = _tex(node.left)
    right, rp = _tex(node.right)
    if op == "/":
        return rf"\frac{{{left}}}{{{right}}}", _PREC["atom"]
    if op == "**":
        if isinstance(node.right, N.Num) and node.right.value == -1:
            return _wrap(left, lp, _PREC["atom"]) + "^{-1}", _PREC["**"]
        return _wrap(left, lp, _PREC["atom"]) + f"^{{{right}}}", _PREC["**"]
    p = _PREC[op]
    if op in ("+", "-"):
        right = _wrap(right, rp, p + 1) if op == "-" else _wrap(right, rp, p)
        if op == "+" and right.startswith("-"):
            return f"{_wrap(left, lp, p)} {right}", p
        return f"{_wrap(left, lp, p)} {op} {right}", p
    sep = r" \cdot " if (isinstance(node.right, N.Num) or right[:1].isdigit()) else " "
    return _wrap(left, lp, p) + sep + _wrap(right, rp, p + (1 if isinstance(node.right, N.BinOp) and node.right.op in ("*", "@") else 0)), p


def _call(node: N.Call) -> tuple[str, int]:
    fn, args = node.fn, node.args
    a = [_tex(x) for x in args]
    if fn in ("T", "transpose"):
        return _wrap(*a[0], _PREC["atom"]) + r"^{\top}", _PREC["**"]
    if fn == "inv":
        return _wrap(*a[0], _PREC["atom"]) + "^{-1}", _PREC["**"]
    written = BODIES.get(fn)
    if written is not None and written.latex is not None:
        tex = written.latex.replace("#*", ", ".join(x[0] for x in a))
        for k, (arg, _) in enumerate(a, 1):
            tex = tex.replace(f"#{k}", arg)
        return tex, _PREC["atom"]
    if fn in ("sum", "prod"):
        sym = r"\sum" if fn == "sum" else r"\prod"
        return rf"{sym}_{{{a[1][0]}={a[2][0]}}}^{{{a[3][0]}}} {_wrap(*a[0], _PREC['*'])}", _PREC["+"]
    if fn == "first":
        return (rf"\min\left\{{{a[1][0]} \in \{{{a[2][0]},\dots,{a[3][0]}\}} : {a[0][0]}\right\}}",
                _PREC["atom"])
    if fn == "outer":
        return _wrap(*a[0], _PREC["atom"]) + " " + _wrap(*a[1], _PREC["atom"]) + r"^{\top}", _PREC["*"]
    if fn in ("grad", "hessian", "jacobian"):
        sym = {"grad": r"\nabla", "hessian": r"\nabla^2", "jacobian": "J"}[fn]
        return rf"{sym}_{{{a[1][0]}}} {_wrap(*a[0], _PREC['atom'])}", _PREC["*"]
    if fn == "diff":
        order = f"^{{{a[2][0]}}}" if len(a) > 2 else ""
        return rf"\frac{{d{order}}}{{d{a[1][0]}{order}}} {_wrap(*a[0], _PREC['atom'])}", _PREC["*"]
    if fn == "limit":
        return rf"\lim_{{{a[1][0]} \to {a[2][0]}}} {_wrap(*a[0], _PREC['*'])}", _PREC["+"]
    if fn == "ind":
        return rf"\mathbb{{1}}\left[{a[0][0]}\right]", _PREC["atom"]
    if fn == "eye":
        return f"I_{{{a[0][0]}}}", _PREC["atom"]
    if fn == "entry":
        return f"{_wrap(*a[0], _PREC['atom'])}_{{{a[1][0]},{a[2][0]}}}", _PREC["atom"]
    if fn == "matrix":
        r, c = int(args[0].value), int(args[1].value)
        cells = [x[0] for x in a[2:]]
        body = r" \\ ".join(" & ".join(cells[i * c:(i + 1) * c]) for i in range(r))
        return r"\begin{pmatrix}" + body + r"\end{pmatrix}", _PREC["atom"]
    if fn == "piecewise":
        rows = [f"{v[0]} & \\text{{if }} {c[0]}" for c, v in zip(a[0:-1:2], a[1:-1:2])]
        rows.append(f"{a[-1][0]} & \\text{{otherwise}}")
        return r"\begin{cases}" + r" \\ ".join(rows) + r"\end{cases}", _PREC["atom"]
    name = rf"\operatorname{{{fn.replace('_', chr(92) + '_')}}}"
    return f"{name}\\left({', '.join(x[0] for x in a)}\\right)", _PREC["atom"]
