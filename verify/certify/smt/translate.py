"""Expression trees translated to z3 terms: numbers, conditions, functions, and the domains of
the quantified symbols; what is constant folds to an exact Fraction."""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from verify.expr import nodes as N
from verify.model import SymbolSpec
from verify.samplers.registry import facts

from .language import (BINDERS, FUNCTIONS, MAX_CONST_BITS, MAX_POWER, MAX_STEPS, MAX_UNROLL, Unsupported, Val,
                       bits, show, small, unsupported_fn)

_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "@": operator.mul}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
            "!=": operator.ne}


@dataclass
class _Acc:
    """What translating one formula produced besides its term."""

    conds: list = field(default_factory=list)   # (description, z3 bool): definedness
    used: set = field(default_factory=set)      # quantified symbols
    names: set = field(default_factory=set)     # all claim symbols resolved (values too)


class Translator:
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
            return small(_ARITH[node.op](a, b), node)
        return _ARITH[node.op](self.lift(a), self.lift(b))

    def divide(self, a: Val, b: Val, bnode: N.Node, guard) -> Val:
        if isinstance(b, Fraction):
            if b == 0:
                self.require(False, f"division by zero ({show(bnode)})", guard)
                return Fraction(0)
            return small(a / b, bnode) if isinstance(a, Fraction) else a * self.lift(1 / b)
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
        if abs(k) * (bits(b) - 2) > MAX_CONST_BITS and abs(b) != 1 and b != 0:
            raise Unsupported(f"the constant power {show(node)} is too large")
        if b == 0 and k < 0:
            self.require(False, "0 to a negative power", guard)
            return Fraction(0)
        return small(b ** k, node)

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
            return self.boolval(_COMPARE[op](a, b))
        return _COMPARE[op](self.lift(a), self.lift(b))

    # -- functions ------------------------------------------------------------------------------
    def call(self, node: N.Call, env: dict, guard) -> Val:
        binder = BINDERS.get(node.fn)
        if binder is not None:
            return binder(self, node, env, guard)
        fn = FUNCTIONS.get(node.fn)
        if fn is None:
            raise Unsupported(unsupported_fn(node.fn))
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
        small(c, None)
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
            from flint import fmpz  # the integer cube root, rounded down
            p, q = int(fmpz(abs(a.numerator)).root(3)), int(fmpz(a.denominator).root(3))
            if p ** 3 == abs(a.numerator) and q ** 3 == a.denominator:
                return Fraction(p if a >= 0 else -p, q)
        key = ("cbrt", "const", a) if isinstance(a, Fraction) else ("cbrt", "term", a.get_id())
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
    def domain_parts(self, name: str) -> list[tuple[str, Callable]]:
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
        if args is None:
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


_NODE_TYPES = (N.Num, N.Const, N.Sym, N.Item, N.BinOp, N.Neg, N.Compare, N.Logic, N.Call)


def _is_oo(node: N.Node, sign: int) -> bool:
    if sign > 0:
        return isinstance(node, N.Const) and node.name == "oo"
    return isinstance(node, N.Neg) and isinstance(node.operand, N.Const) and node.operand.name == "oo"

