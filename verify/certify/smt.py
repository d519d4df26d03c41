"""SMT certificates: z3 proves a scalar polynomial (or rational) relation for ALL values.

`smt_prove(relation, claim)` translates the relation, the hypotheses and each symbol's domain
into z3 real (and integer) arithmetic and asks whether

    domain & hypotheses  =>  (every denominator != 0, every sqrt argument >= 0) & relation

holds for every assignment of the quantified symbols - not just for sampled ones:

- "proved": z3 showed the negation unsatisfiable. This is a proof over the whole domain.
  Hypotheses or domain bounds that cannot be expressed (they mention a matrix, exp, ...) are
  left out of the assumptions and named in `detail`: dropping an assumption only makes the
  proved statement more general, so the proof stays valid. `vacuous` says whether the kept
  assumptions themselves are unsatisfiable (then the proof says nothing).
- "refuted": z3 found an assignment of the negation; `model` holds exact values (Fractions,
  ints for integer symbols; irrational algebraic numbers are rounded to 40 digits and `detail`
  says "approximated"). The point may be one where the relation is undefined (a denominator
  vanishes) - `detail` says so. Callers should re-check the model with the numeric engine.
- "unknown": z3 gave up (resource limit, timeout, incompleteness), or it found a counterexample
  only after assumptions were dropped (the candidate is in `model`). Never evidence either way.
- "unsupported": the relation uses something z3 cannot express exactly (matrices, pi, exp, a
  symbolic exponent, a sum with symbolic bounds, ...); `detail` names the construct.

The domain of a quantified symbol is what the numeric engine samples from: `positive` gives
x > 0, `range: [lo, hi]` gives lo <= x <= hi, the samplers uniform / fractions / loguniform /
integer give their closed interval [lo, hi], gaussian is unbounded, signs is x = +-1, choice is
x in the listed values. With `domain="declared"` the default sampler box that validation fills
in when no `sample:` is written (loguniform [1/10, 10] for `real: positive`) is left out, so the
proof covers every positive real. Symbols with a `value:` are substituted, not
quantified. Only the symbols the relation mentions, the hypotheses connected to them (through
shared symbols), and the symbols their domains refer to take part.

Semantics mirror `verify.expr.numeric`: comparisons are exact (no tolerance band), a chain
needs every link, `and`/`or`/`piecewise` evaluate lazily (a denominator in a branch not taken
does not matter), floor/ceil are exact, an integer symbol given by a `value:` is truncated
toward zero as `draw_symbol` does. z3 runs with a deterministic resource limit (`rlimit`) and
`timeout_ms` as a backstop. Caveat: nlsat's polynomial projections barely tick the resource
counter (a hard degree-6 instance used 39k of 5M units in 10 s), so on hard instances the timeout
fires first and only "unknown due to timeout" can depend on machine speed; "proved" and
"refuted" are checked results either way. Each call uses a fresh z3 context (about 3 ms), so
nothing leaks between claims. z3 is imported lazily.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Optional, Union

from verify.expr import nodes as N
from verify.model import Claim, Hypothesis, SymbolSpec
from verify.samplers.registry import facts

MAX_VARS = 8            # quantified symbols
MAX_UNROLL = 50         # terms of one sum / prod / iterate
MAX_POWER = 64          # literal exponent on a non-constant base
MAX_CONST_BITS = 10_000  # size of an exactly folded constant (numerator + denominator bits)
MAX_STEPS = 50_000      # translated nodes (after unrolling)

_TRANSCENDENTAL = {"exp", "log", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
                   "cosh", "tanh", "sech", "sigmoid"}

Val = Any  # Fraction (folded constant) or a z3 real term


class Unsupported(Exception):
    """A construct z3 cannot express exactly; the message names it."""


@dataclass
class SmtResult:
    outcome: str          # "proved" | "refuted" | "unknown" | "unsupported"
    detail: str
    seconds: float
    model: Optional[dict[str, Union[Fraction, int]]] = None
    variables: tuple[str, ...] = ()
    vacuous: Optional[bool] = None  # proved: are the kept assumptions unsatisfiable? None: unknown


@dataclass
class _Acc:
    """What translating one formula produced besides its term."""

    conds: list = field(default_factory=list)   # (description, z3 bool): definedness
    used: set = field(default_factory=set)      # quantified symbols
    names: set = field(default_factory=set)     # all claim symbols resolved (values too)


def show(node: N.Node, limit: int = 80) -> str:
    """A short plain-text rendering of a tree, for messages (cut at `limit` characters)."""
    text = _show(node)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _show(node: N.Node) -> str:
    t = type(node)
    if t is N.Num:
        return str(node.value)
    if t in (N.Sym, N.Const):
        return node.name
    if t is N.Neg:
        return f"-{_wrap(node.operand)}"
    if t is N.BinOp:
        left = _wrap(node.left, node.op == "**" or isinstance(node.left, N.BinOp) and node.left.op != node.op)
        return f"{left} {node.op} {_wrap(node.right)}"
    if t is N.Call:
        return f"{node.fn}({', '.join(_show(a) for a in node.args)})"
    if t is N.Item:
        return f"{node.base}[{', '.join(_show(i) for i in node.index)}]"
    if t is N.Compare:
        out = _show(node.operands[0])
        for op, o in zip(node.ops, node.operands[1:]):
            out += f" {op} {_show(o)}"
        return out
    if t is N.Logic:
        if node.op == "not":
            return f"not ({_show(node.operands[0])})"
        return f" {node.op} ".join(f"({_show(o)})" for o in node.operands)
    return t.__name__


def _wrap(node: N.Node, strict: bool = True) -> str:
    """An operand, in parentheses when it is compound (and `strict`: not a left operand that
    reads the same without them)."""
    text = _show(node)
    negative = isinstance(node, N.Num) and node.value < 0
    return f"({text})" if strict and (isinstance(node, (N.BinOp, N.Neg)) or negative) else text


class _Translator:
    """Expression trees -> z3 terms in one context. Constant subtrees fold to exact Fractions."""

    def __init__(self, z3, ctx, symbols: dict[str, SymbolSpec]):
        self.z3, self.ctx, self.symbols = z3, ctx, symbols
        self.raw: dict[str, Any] = {}          # name -> z3 Int/Real variable
        self.terms: dict[str, Any] = {}        # name -> real-sorted term
        self.values: dict[str, tuple] = {}     # name -> (Val, used, names)
        self.value_conds: list = []            # definedness of `value:` expressions
        self.axioms: list = []                 # sqrt definitions
        self.sqrts: dict = {}
        self.busy: set[str] = set()
        self.has_int = False
        self.steps = 0
        self.acc = _Acc()

    # -- entry points ---------------------------------------------------------------------------
    def run(self, fn: Callable[[], Any]) -> tuple[Any, _Acc]:
        """Run a translation with a fresh accumulator; restore the previous one afterwards."""
        saved, self.acc = self.acc, _Acc()
        try:
            return fn(), self.acc
        finally:
            self.acc = saved

    def formula(self, node: N.Node) -> tuple[Any, _Acc]:
        return self.run(lambda: self.cond(node, {}, None))

    # -- helpers --------------------------------------------------------------------------------
    def lift(self, v: Val):
        if isinstance(v, Fraction):
            return self.z3.RealVal(f"{v.numerator}/{v.denominator}", self.ctx)
        return v

    def boolval(self, b: bool):
        return self.z3.BoolVal(bool(b), self.ctx)

    def require(self, cond, description: str, guard) -> None:
        if isinstance(cond, bool):
            cond = self.boolval(cond)
        if guard is not None:
            cond = self.z3.Implies(guard, cond)
        self.acc.conds.append((description, cond))

    def both(self, guard, extra):
        return extra if guard is None else self.z3.And(guard, extra)

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Unsupported(f"the expression is too large after unrolling (over {MAX_STEPS} nodes)")

    # -- numbers --------------------------------------------------------------------------------
    def num(self, node: N.Node, env: dict, guard) -> Val:
        self.tick()
        t = type(node)
        if t is N.Num:
            return node.value
        if t is N.Sym:
            return self.sym(node.name, env)
        if t is N.Neg:
            return -self.num(node.operand, env, guard)
        if t is N.BinOp:
            return self.binop(node, env, guard)
        if t is N.Call:
            return self.call(node, env, guard)
        if t is N.Const:
            raise Unsupported(f"the constant {node.name}")
        if t is N.Item:
            spec = self.symbols.get(node.base)
            kind = f" ({node.base} is a {spec.type})" if spec is not None else ""
            raise Unsupported(f"indexing {show(node)}{kind}")
        raise Unsupported(f"a condition used as a number: {show(node)} (write ind(...))")

    def sym(self, name: str, env: dict) -> Val:
        if name in env:
            return env[name]
        spec = self.symbols.get(name)
        if spec is None:
            raise Unsupported(f"the name {name} is not a declared symbol")
        if spec.type not in ("real", "integer"):
            where = "" if spec.type in ("matrix", "vector") else " outside a sum/prod"
            raise Unsupported(f"{name} is a{'n' if spec.type[0] in 'aeiou' else ''} {spec.type} symbol{where}")
        self.acc.names.add(name)
        if spec.value is not None:
            return self.value(name, spec)
        self.acc.used.add(name)
        return self.var(name, spec)

    def var(self, name: str, spec: SymbolSpec):
        if name not in self.terms:
            if spec.type == "integer":
                self.has_int = True
                self.raw[name] = self.z3.Int(name, self.ctx)
                self.terms[name] = self.z3.ToReal(self.raw[name])
            else:
                self.raw[name] = self.terms[name] = self.z3.Real(name, self.ctx)
        return self.terms[name]

    def value(self, name: str, spec: SymbolSpec) -> Val:
        if name not in self.values:
            if name in self.busy:
                raise Unsupported(f"the value of {name} refers to itself")
            self.busy.add(name)
            try:
                v, acc = self.run(lambda: self.num(spec.value, {}, None))
            finally:
                self.busy.discard(name)
            if spec.type == "integer":
                v = self.truncate(v)
            self.value_conds.extend(acc.conds)
            self.values[name] = (v, acc.used, acc.names)
        v, used, names = self.values[name]
        self.acc.used |= used
        self.acc.names |= names
        return v

    def truncate(self, v: Val) -> Val:
        """int(v) as draw_symbol applies it to an integer symbol's value (toward zero)."""
        if isinstance(v, Fraction):
            return Fraction(int(v))
        if self.z3.is_to_real(v):
            return v
        self.has_int = True
        z = self.z3
        return z.If(v >= 0, z.ToReal(z.ToInt(v)), -z.ToReal(z.ToInt(-v)))

    def binop(self, node: N.BinOp, env: dict, guard) -> Val:
        if node.op == "**":
            return self.power(node, env, guard)
        a = self.num(node.left, env, guard)
        b = self.num(node.right, env, guard)
        if node.op == "/":
            return self.divide(a, b, node.right, guard)
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return _small({"+": a + b, "-": a - b, "*": a * b, "@": a * b}[node.op], node)
        a, b = self.lift(a), self.lift(b)
        return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "@": lambda: a * b}[node.op]()

    def divide(self, a: Val, b: Val, bnode: N.Node, guard) -> Val:
        if isinstance(b, Fraction):
            if b == 0:
                self.require(False, f"division by zero ({show(bnode)})", guard)
                return Fraction(0)
            return _small(a / b, bnode) if isinstance(a, Fraction) else a * self.lift(1 / b)
        self.require(b != 0, f"the denominator {show(bnode)} vanishes", guard)
        return self.lift(a) / b

    def power(self, node: N.BinOp, env: dict, guard) -> Val:
        e = self.num(node.right, env, guard)
        if not isinstance(e, Fraction):
            raise Unsupported(f"the exponent of {show(node)} is not a literal number")
        if e.denominator != 1:
            raise Unsupported(f"the non-integer exponent {e} in {show(node)}")
        k = int(e)
        b = self.num(node.left, env, guard)
        if isinstance(b, Fraction):
            return self.const_power(b, k, node, guard)
        if abs(k) > MAX_POWER:
            raise Unsupported(f"the exponent {k} in {show(node)} (at most {MAX_POWER} on a variable)")
        p = self.mul_power(b, abs(k))
        if k >= 0:
            return p
        self.require(p != 0, f"{show(node.left)} vanishes under a negative power", guard)
        return self.lift(Fraction(1)) / p

    def const_power(self, b: Fraction, k: int, node: N.Node, guard) -> Fraction:
        if abs(k) * (_bits(b) - 2) > MAX_CONST_BITS and abs(b) != 1 and b != 0:
            raise Unsupported(f"the constant power {show(node)} is too large")
        if b == 0 and k < 0:
            self.require(False, "0 to a negative power", guard)
            return Fraction(0)
        return _small(b ** k, node)

    def mul_power(self, b, k: int) -> Val:
        result, base = Fraction(1), b
        while k:
            if k & 1:
                result = base if isinstance(result, Fraction) else result * base
            k >>= 1
            if k:
                base = base * base
        return result

    # -- conditions -----------------------------------------------------------------------------
    def cond(self, node: N.Node, env: dict, guard):
        self.tick()
        z = self.z3
        if isinstance(node, N.Compare):
            vals = [self.num(o, env, guard) for o in node.operands]
            links = [self.compare(op, a, b) for op, a, b in zip(node.ops, vals, vals[1:])]
            return links[0] if len(links) == 1 else z.And(*links)
        if isinstance(node, N.Logic):
            if node.op == "not":
                return z.Not(self.cond(node.operands[0], env, guard))
            parts, g = [], guard
            for o in node.operands:  # lazy, as all() / any() in the numeric evaluator
                p = self.cond(o, env, g)
                parts.append(p)
                g = self.both(g, p if node.op == "and" else z.Not(p))
            return z.And(*parts) if node.op == "and" else z.Or(*parts)
        raise Unsupported(f"{show(node)} is not a condition (a comparison or and/or/not)")

    def compare(self, op: str, a: Val, b: Val):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return self.boolval({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                                 "==": a == b, "!=": a != b}[op])
        a, b = self.lift(a), self.lift(b)
        return {"<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b,
                ">=": lambda: a >= b, "==": lambda: a == b, "!=": lambda: a != b}[op]()

    # -- functions ------------------------------------------------------------------------------
    def call(self, node: N.Call, env: dict, guard) -> Val:
        binder = _BINDERS.get(node.fn)
        if binder is not None:
            return binder(self, node, env, guard)
        fn = _FUNCTIONS.get(node.fn)
        if fn is None:
            raise Unsupported(_unsupported_fn(node.fn))
        args = [self.num(a, env, guard) for a in node.args]
        return fn(self, args, node, guard)

    def ite(self, c, a: Val, b: Val) -> Val:
        return self.z3.If(c, self.lift(a), self.lift(b))

    def int_bound(self, node: N.Node, env: dict, guard, what: str) -> int:
        v = self.num(node, env, guard)
        if not isinstance(v, Fraction):
            raise Unsupported(f"the {what} {show(node)} is not a literal integer")
        if v.denominator != 1:
            raise Unsupported(f"the {what} {v} is not an integer")
        return int(v)

    def binder_var(self, node: N.Call) -> str:
        var = node.args[1]
        if not isinstance(var, N.Sym):
            raise Unsupported(f"{node.fn} binds {show(var)}, not a name")
        return var.name

    def unroll(self, node: N.Call, env: dict, guard) -> list:
        var = self.binder_var(node)
        lo = self.int_bound(node.args[2], env, guard, f"lower bound of {node.fn}")
        hi = self.int_bound(node.args[3], env, guard, f"upper bound of {node.fn}")
        if hi - lo + 1 > MAX_UNROLL:
            raise Unsupported(f"{node.fn} over {hi - lo + 1} terms (at most {MAX_UNROLL} are unrolled)")
        return [self.num(node.args[0], {**env, var: Fraction(k)}, guard) for k in range(lo, hi + 1)]

    def total(self, terms: list, op: str) -> Val:
        consts = [t for t in terms if isinstance(t, Fraction)]
        rest = [t for t in terms if not isinstance(t, Fraction)]
        c = sum(consts, Fraction(0)) if op == "+" else math.prod(consts, start=Fraction(1))
        _small(c, None)
        if not rest:
            return c
        out = rest[0]
        for t in rest[1:]:
            out = out + t if op == "+" else out * t
        if op == "+":
            return out if c == 0 else out + self.lift(c)
        return out if c == 1 else self.lift(c) * out

    def sqrt(self, a: Val, node: N.Node, guard) -> Val:
        z = self.z3
        if isinstance(a, Fraction):
            if a < 0:
                self.require(False, f"sqrt of the negative number {a}", guard)
                return Fraction(0)
            p, q = math.isqrt(a.numerator), math.isqrt(a.denominator)
            if p * p == a.numerator and q * q == a.denominator:
                return Fraction(p, q)
        else:
            self.require(a >= 0, f"the sqrt argument {show(node.args[0])} is negative", guard)
        key = ("const", a) if isinstance(a, Fraction) else ("term", a.get_id())
        if key not in self.sqrts:
            y = z.FreshReal("sqrt", self.ctx)
            t = self.lift(a)
            self.axioms.append(z.Implies(t >= 0, z.And(y >= 0, y * y == t)))
            self.sqrts[key] = y
        return self.sqrts[key]

    def cbrt(self, a: Val) -> Val:
        """The real cube root: exact for a rational cube, else the one real y with y**3 = a."""
        if isinstance(a, Fraction):
            p, q = _icbrt(abs(a.numerator)), _icbrt(a.denominator)
            if p ** 3 == abs(a.numerator) and q ** 3 == a.denominator:
                return Fraction(p if a >= 0 else -p, q)
        key = ("cbrt", a) if isinstance(a, Fraction) else ("cbrt", a.get_id())
        if key not in self.sqrts:
            y = self.z3.FreshReal("cbrt", self.ctx)
            self.axioms.append(y * y * y == self.lift(a))
            self.sqrts[key] = y
        return self.sqrts[key]

    def floor(self, a: Val, ceil: bool) -> Val:
        if isinstance(a, Fraction):
            return Fraction(math.ceil(a) if ceil else math.floor(a))
        self.has_int = True
        z = self.z3
        return -z.ToReal(z.ToInt(-a)) if ceil else z.ToReal(z.ToInt(a))

    # -- domains --------------------------------------------------------------------------------
    def domain_parts(self, name: str, implicit: bool) -> list[tuple[str, Callable]]:
        """(text, builder) pairs: the constraints that make up a quantified symbol's domain."""
        spec, x = self.symbols[name], self.terms[name]
        parts: list[tuple[str, Callable]] = []
        if spec.positive:
            parts.append(("> 0", lambda: x > 0))
        if spec.range is not None:
            parts += self.bounds(x, spec.range)
        args, s = spec.sampler_args, spec.sampler
        domain = facts(s).z3  # how z3 states the sampler's domain
        if domain == "signs":
            return parts + [("in {-1, 1}", lambda: self.z3.Or(x == 1, x == -1))]
        if args is None or (implicit and spec.range is None):
            return parts
        if domain == "interval":
            if spec.range is not None or spec.positive:
                return parts  # the declared range is the domain: a narrower sampler only chooses the draws
            if not (isinstance(args, list) and len(args) == 2 and all(isinstance(a, _NODE_TYPES) for a in args)):
                return parts + [self.bad_part(f"sampler {s} with arguments {args!r}")]
            return parts + self.bounds(x, tuple(args))
        if domain == "free":
            return parts
        if domain == "values" and isinstance(args, list) and all(isinstance(a, _NODE_TYPES) for a in args):
            text = "in {" + ", ".join(show(a) for a in args) + "}"
            return parts + [(text, lambda: self.z3.Or(*[x == self.lift(self.num(a, {}, None)) for a in args]))]
        return parts + [self.bad_part(f"the sampler {s}")]

    def bad_part(self, what: str) -> tuple[str, Callable]:
        def fail():
            raise Unsupported(what)
        return (what, fail)

    def bounds(self, x, pair: tuple) -> list[tuple[str, Callable]]:
        lo, hi = pair
        out = []
        if not _is_oo(lo, -1):
            out.append((f">= {show(lo)}", lambda: self.lift(self.num(lo, {}, None)) <= x))
        if not _is_oo(hi, 1):
            out.append((f"<= {show(hi)}", lambda: x <= self.lift(self.num(hi, {}, None))))
        return out


def _bits(v: Fraction) -> int:
    return v.numerator.bit_length() + v.denominator.bit_length()


def _small(v: Fraction, node: Optional[N.Node]) -> Fraction:
    """A folded constant, refused when it grows past MAX_CONST_BITS (hostile inputs)."""
    if _bits(v) > MAX_CONST_BITS:
        where = f" in {show(node)}" if node is not None else ""
        raise Unsupported(f"a constant of {_bits(v)} bits{where} (at most {MAX_CONST_BITS})")
    return v


_NODE_TYPES = (N.Num, N.Const, N.Sym, N.Item, N.BinOp, N.Neg, N.Compare, N.Logic, N.Call)


def _is_oo(node: N.Node, sign: int) -> bool:
    if sign > 0:
        return isinstance(node, N.Const) and node.name == "oo"
    return isinstance(node, N.Neg) and isinstance(node.operand, N.Const) and node.operand.name == "oo"


def _icbrt(n: int) -> int:
    """The integer cube root of n >= 0, rounded down (Newton's iteration from above)."""
    if n < 2:
        return n
    r = 1 << -(-n.bit_length() // 3)
    while True:
        s = (2 * r + n // (r * r)) // 3
        if s >= r:
            return r
        r = s


def _unsupported_fn(fn: str) -> str:
    if fn in _TRANSCENDENTAL:
        return f"the function {fn} (transcendental: z3 cannot express it exactly)"
    return f"the function {fn}"


def _f_abs(tr, a, node, guard):
    (x,) = a
    return abs(x) if isinstance(x, Fraction) else tr.z3.If(x >= 0, x, -x)


def _f_extreme(pick_max: bool):
    def f(tr, a, node, guard):
        if all(isinstance(x, Fraction) for x in a):
            return max(a) if pick_max else min(a)
        out = a[0]
        for x in a[1:]:
            left, right = tr.lift(out), tr.lift(x)
            out = tr.z3.If(left >= right, left, right) if pick_max else tr.z3.If(left <= right, left, right)
        return out
    return f


def _f_sign(tr, a, node, guard):
    (x,) = a
    if isinstance(x, Fraction):
        return Fraction((x > 0) - (x < 0))
    return tr.z3.If(x > 0, tr.lift(Fraction(1)), tr.z3.If(x < 0, tr.lift(Fraction(-1)), tr.lift(Fraction(0))))


def _f_relu(tr, a, node, guard):
    (x,) = a
    return max(x, Fraction(0)) if isinstance(x, Fraction) else tr.ite(x > 0, x, Fraction(0))


def _f_step(tr, a, node, guard):
    (x,) = a
    return Fraction(int(x >= 0)) if isinstance(x, Fraction) else tr.ite(x >= 0, Fraction(1), Fraction(0))


def _f_binomial(tr, a, node, guard):
    n, k = a
    if not all(isinstance(v, Fraction) and v.denominator == 1 and 0 <= v <= 10_000 for v in (n, k)):
        raise Unsupported(f"binomial with non-literal or out-of-range arguments: {show(node)}")
    return _small(Fraction(math.comb(int(n), int(k))), node)


def _f_factorial(tr, a, node, guard):
    (n,) = a
    if not (isinstance(n, Fraction) and n.denominator == 1 and 0 <= n <= 200):
        raise Unsupported(f"factorial of a non-literal argument: {show(node)}")
    return Fraction(math.factorial(int(n)))


_FUNCTIONS: dict[str, Callable] = {
    "abs": _f_abs, "norm": _f_abs, "opnorm": _f_abs, "fro": _f_abs,
    "max": _f_extreme(True), "min": _f_extreme(False),
    "floor": lambda tr, a, node, guard: tr.floor(a[0], ceil=False),
    "ceil": lambda tr, a, node, guard: tr.floor(a[0], ceil=True),
    "sqrt": lambda tr, a, node, guard: tr.sqrt(a[0], node, guard),
    "cbrt": lambda tr, a, node, guard: tr.cbrt(a[0]),
    "inv": lambda tr, a, node, guard: tr.divide(Fraction(1), a[0], node.args[0], guard),
    "T": lambda tr, a, node, guard: a[0], "transpose": lambda tr, a, node, guard: a[0],
    "sign": _f_sign, "relu": _f_relu, "step": _f_step,
    "binomial": _f_binomial, "factorial": _f_factorial,
}


def _b_sum(tr: _Translator, node, env, guard):
    return tr.total(tr.unroll(node, env, guard), "+")


def _b_prod(tr: _Translator, node, env, guard):
    return tr.total(tr.unroll(node, env, guard), "*")


def _b_iterate(tr: _Translator, node, env, guard):
    var = tr.binder_var(node)
    x = tr.num(node.args[2], env, guard)
    steps = tr.int_bound(node.args[3], env, guard, "number of steps of iterate")
    if steps > MAX_UNROLL:
        raise Unsupported(f"iterate over {steps} steps (at most {MAX_UNROLL} are unrolled)")
    for _ in range(max(steps, 0)):
        x = tr.num(node.args[0], {**env, var: x}, guard)
    return x


def _b_at(tr: _Translator, node, env, guard):
    var = tr.binder_var(node)
    value = tr.num(node.args[2], env, guard)
    return tr.num(node.args[0], {**env, var: value}, guard)


def _b_piecewise(tr: _Translator, node, env, guard):
    args = node.args
    if len(args) % 2 == 0:
        raise Unsupported("piecewise with an even number of arguments (no 'otherwise')")
    z, g, branches = tr.z3, guard, []
    for c_node, v_node in zip(args[0:-1:2], args[1:-1:2]):
        c = tr.cond(c_node, env, g)
        branches.append((c, tr.num(v_node, env, tr.both(g, c))))
        g = tr.both(g, z.Not(c))
    out = tr.num(args[-1], env, g)
    for c, v in reversed(branches):
        out = tr.ite(c, v, out)
    return out


def _b_ind(tr: _Translator, node, env, guard):
    return tr.ite(tr.cond(node.args[0], env, guard), Fraction(1), Fraction(0))


_BINDERS: dict[str, Callable] = {
    "sum": _b_sum, "prod": _b_prod, "iterate": _b_iterate, "at": _b_at,
    "piecewise": _b_piecewise, "ind": _b_ind,
}

#: The functions with a translation here (scalars only: z3 has no matrices).
SUPPORTED = frozenset(_FUNCTIONS) | frozenset(_BINDERS)


# -- the prover ---------------------------------------------------------------------------------

def smt_prove(relation: N.Node, claim: Claim, symbols: Optional[dict[str, SymbolSpec]] = None,
              hypotheses: Optional[list[Hypothesis]] = None, rlimit: int = 5_000_000,
              timeout_ms: int = 5000, *, domain: str = "sampled") -> SmtResult:
    """Prove `relation` for all values of the domain that satisfy the hypotheses (see the module
    docstring). Never raises: anything unexpected comes back as "unsupported" with the reason."""
    start = time.perf_counter()
    try:
        res = _prove(relation, claim, claim.symbols if symbols is None else symbols,
                     claim.assume if hypotheses is None else hypotheses, rlimit, timeout_ms, domain)
    except Unsupported as exc:
        res = SmtResult("unsupported", str(exc), 0.0)
    except RecursionError:
        res = SmtResult("unsupported", "the expression is nested too deeply", 0.0)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"
        res = SmtResult("unsupported", f"internal error ({type(exc).__name__}: {exc})", 0.0)
    res.seconds = time.perf_counter() - start
    return res


@dataclass
class _Problem:
    """The translated problem: assumptions, goal parts, and what was left out."""

    goal: Any
    goal_conds: list
    assumptions: list
    used: set
    domain_text: dict          # symbol -> list of constraint texts kept
    kept_hyps: list
    dropped: list              # "name: reason" of assumptions left out


def _prove(relation, claim, symbols, hyps, rlimit, timeout_ms, domain) -> SmtResult:
    import z3
    if domain not in ("sampled", "declared"):
        raise Unsupported(f"unknown domain mode {domain!r}")
    _check_symbols(relation, symbols)
    tr = _Translator(z3, z3.Context(), symbols)
    prob = _build(tr, relation, claim, symbols, hyps, domain)
    if len(prob.used) > MAX_VARS:
        raise Unsupported(f"{len(prob.used)} variables ({', '.join(sorted(prob.used))}); at most {MAX_VARS}")
    solver = _solver(z3, tr, rlimit, timeout_ms)
    solver.add(*prob.assumptions)
    solver.add(z3.Not(z3.And(*[c for _, c in prob.goal_conds], prob.goal)))
    answer = solver.check()
    variables = tuple(sorted(prob.used))
    if answer == z3.unsat:
        vacuous = _vacuous(z3, tr, prob, rlimit, timeout_ms)
        return SmtResult("proved", _proved_detail(prob, symbols, vacuous), 0.0, None, variables, vacuous)
    if answer == z3.sat:
        return _refuted(z3, tr, prob, solver.model(), variables)
    return SmtResult("unknown", f"z3 gave up: {solver.reason_unknown()}", 0.0, None, variables)


def closed_within(node: N.Node, lo: Fraction, hi: Fraction, rlimit: int = 5_000_000,
                  timeout_ms: int = 5000) -> str:
    """For a tree without symbols (a function's registry example): "exact" when it folds to a
    Fraction in [lo, hi]; "proved" when z3 proves lo <= value <= hi from the definitions the
    translation made (square roots) and its definedness conditions; "outside" or "unknown"
    otherwise. Raises Unsupported for what z3 cannot express."""
    import z3
    tr = _Translator(z3, z3.Context(), {})
    v, acc = tr.run(lambda: tr.num(node, {}, None))
    if isinstance(v, Fraction):
        return "exact" if lo <= v <= hi else "outside"
    solver = _solver(z3, tr, rlimit, timeout_ms)
    solver.add(*tr.axioms, *[c for _, c in acc.conds])
    solver.add(z3.Not(z3.And(tr.lift(lo) <= v, v <= tr.lift(hi))))
    answer = solver.check()
    return "proved" if answer == z3.unsat else "outside" if answer == z3.sat else "unknown"


def _check_symbols(relation: N.Node, symbols: dict) -> None:
    """Fail fast, naming the symbol, when the relation mentions a matrix, vector or operator."""
    for name in sorted(N.names(relation)):
        spec = symbols.get(name)
        if spec is not None and spec.type in ("matrix", "vector", "operator"):
            raise Unsupported(f"{name} is a{'n' if spec.type == 'operator' else ''} {spec.type} symbol")


def _solver(z3, tr: _Translator, rlimit: int, timeout_ms: int):
    s = z3.Solver(ctx=tr.ctx) if tr.has_int else z3.SolverFor("QF_NRA", ctx=tr.ctx)
    s.set("rlimit", int(rlimit))
    s.set("timeout", int(timeout_ms))
    return s


def _build(tr: _Translator, relation, claim, symbols, hyps, domain) -> _Problem:
    """Translate the relation, then grow the set of symbols: their domains and every hypothesis
    sharing a symbol with what is already in. Unexpressible assumptions are dropped (sound for
    proofs: fewer assumptions prove more)."""
    goal, acc = tr.formula(relation)
    prob = _Problem(goal, list(acc.conds), list(), set(acc.used), {}, [], [])
    names, pending, done = set(acc.names), list(hyps), set()
    changed = True
    while changed:
        changed = False
        for name in sorted(prob.used - done):
            done.add(name)
            changed = True
            _add_domain(tr, prob, names, name, _implicit(claim, symbols, name) and domain == "declared")
        for h in list(pending):
            if N.names(h.node) & names:
                pending.remove(h)
                changed = True
                try:
                    b, a = tr.formula(h.node)
                except Unsupported as exc:
                    prob.dropped.append(f"hypothesis {h.name} ({exc})")
                    continue
                prob.assumptions.append(z3_and(tr, [c for _, c in a.conds] + [b]))
                prob.kept_hyps.append(h.name)
                prob.used |= a.used
                names |= a.names
    prob.goal_conds += tr.value_conds
    prob.assumptions += tr.axioms
    return prob


def z3_and(tr: _Translator, parts: list):
    return parts[0] if len(parts) == 1 else tr.z3.And(*parts)


def _add_domain(tr: _Translator, prob: _Problem, names: set, name: str, implicit: bool) -> None:
    texts = prob.domain_text.setdefault(name, [])
    for text, build in tr.domain_parts(name, implicit):
        try:
            b, a = tr.run(build)
        except Unsupported as exc:
            prob.dropped.append(f"the bound {name} {text} ({exc})")
            continue
        prob.assumptions.append(b)
        prob.goal_conds += a.conds
        prob.used |= a.used
        names |= a.names
        if text not in texts:
            texts.append(text)


def _implicit(claim: Claim, symbols: dict, name: str) -> bool:
    """Is the symbol's sampler the default one validation filled in (no `sample:` written)?"""
    decl = ((claim.raw or {}).get("symbols") or {}).get(name)
    return (isinstance(decl, dict) and "sample" not in decl
            and claim.symbols.get(name) is symbols.get(name))


def _vacuous(z3, tr: _Translator, prob: _Problem, rlimit: int, timeout_ms: int) -> Optional[bool]:
    """Are the kept assumptions unsatisfiable? None when z3 cannot tell (it gets a fifth of the
    budget) or when some assumptions were dropped."""
    s = _solver(z3, tr, max(rlimit // 5, 1), max(timeout_ms // 5, 1))
    s.add(*prob.assumptions)
    answer = s.check()
    if answer == z3.unsat:
        return True
    return False if answer == z3.sat and not prob.dropped else None


def _describe_domain(prob: _Problem, symbols: dict) -> str:
    out = []
    for name in sorted(prob.used):
        texts = prob.domain_text.get(name, [])
        lo = _tightest([t[3:] for t in texts if t.startswith(">= ")], max)
        hi = _tightest([t[3:] for t in texts if t.startswith("<= ")], min)
        parts = [f"{name} {t}" for t in texts if not t.startswith((">= ", "<= "))]
        if len(lo) == 1 and len(hi) == 1:
            parts.append(f"{name} in [{lo[0]}, {hi[0]}]")
        else:
            parts += [f"{name} >= {t}" for t in lo] + [f"{name} <= {t}" for t in hi]
        out.append(f"{symbols[name].type} " + (", ".join(parts) if parts else name))
    return "; ".join(out)


def _tightest(texts: list[str], pick: Callable) -> list[str]:
    """Bounds as written, with the numeric ones reduced to the tightest."""
    nums, rest = [], []
    for t in texts:
        try:
            nums.append(Fraction(t.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            rest.append(t)
    return ([str(pick(nums))] if nums else []) + rest


def _proved_detail(prob: _Problem, symbols: dict, vacuous: Optional[bool]) -> str:
    n = len(prob.kept_hyps)
    hyps = "" if n == 0 else f" with the hypothes{'is' if n == 1 else 'es'} {', '.join(prob.kept_hyps)}"
    where = _describe_domain(prob, symbols)
    text = f"z3 proved it for all {where}{hyps}" if where else f"z3 proved it (no variables){hyps}"
    if prob.dropped:
        text += f"; without {_dropped_text(prob)}"
    if vacuous:
        text += "; VACUOUS: these assumptions are unsatisfiable"
    return text


def _dropped_text(prob: _Problem, shown: int = 2) -> str:
    more = len(prob.dropped) - shown
    return "; ".join(prob.dropped[:shown]) + (f"; and {more} more" if more > 0 else "")


def _refuted(z3, tr: _Translator, prob: _Problem, model, variables) -> SmtResult:
    values, approximated = {}, False
    for name in variables:
        v = model.eval(tr.raw[name], model_completion=True)
        if z3.is_int_value(v):
            values[name] = v.as_long()
            continue
        if z3.is_algebraic_value(v):
            v, approximated = v.approx(40), True
        values[name] = Fraction(v.numerator_as_long(), v.denominator_as_long())
    shown = ", ".join(f"{k} = {v}" for k, v in values.items()) or "any values"
    undefined = [d for d, c in prob.goal_conds if z3.is_false(model.eval(c, model_completion=True))]
    notes = []
    if undefined:
        notes.append("the relation is undefined there: " + "; ".join(undefined[:2]))
    if approximated:
        notes.append("irrational values approximated to 40 digits")
    tail = f" ({'; '.join(notes)})" if notes else ""
    if prob.dropped:
        return SmtResult("unknown", f"z3 found a candidate {shown}{tail}, but only without "
                         f"{_dropped_text(prob)}: not evidence", 0.0, values, variables)
    return SmtResult("refuted", f"z3 found a counterexample: {shown}{tail}", 0.0, values, variables)
