"""The functions of the claim language that build, take apart and reshape matrices, each written
once (verify.expr.bodies) over a domain's matrix operations: shape, entry, transpose, building a
matrix from its rows. Most print in verify.expr.latex (their form depends on precedence)."""

from __future__ import annotations

from fractions import Fraction
from functools import reduce

from verify.expr.bodies import VALUES, define


def _entries(m, A) -> list:
    """The entries of a matrix, row by row."""
    r, c = m.shape(A)
    return [m.at(A, i, j) for i in range(r) for j in range(c)]


def _column(m, values: list):
    return m.mat([[v] for v in values], 1)


def _filled(m, r, c, value):
    r, c = m.size(r), m.size(c)
    return m.mat([[value] * c for _ in range(r)], c)


def _transpose(m, A):
    return m.transpose(A) if m.is_mat(A) else A


define("T", 1, "T(A): transpose (also transpose(A))", "T([[1, 2], [3, 4]])", "T(3)", takes=VALUES)(_transpose)
define("transpose", 1, "transpose(A)", "transpose([[1, 2, 3]])", "transpose(3)", takes=VALUES)(_transpose)
define("rows", 1, "rows(A): number of rows", "rows([[1, 2, 3], [4, 5, 6]])",
       takes=VALUES)(lambda m, A: m.num(Fraction(m.shape(m.as_mat(A))[0])))
define("cols", 1, "cols(A): number of columns", "cols([[1, 2, 3], [4, 5, 6]])",
       takes=VALUES)(lambda m, A: m.num(Fraction(m.shape(m.as_mat(A))[1])))


@define("entry", 3, "entry(A, i, j): entry (1-based)", "entry([[1, 2], [3, 4]], 2, 1)", takes=VALUES)
def _entry(m, A, i, j):
    A = m.as_mat(A)
    r, c = m.shape(A)
    return m.at(A, m.index(i, r, "row"), m.index(j, c, "column"))


def _line(what: str):
    """row(A, i) or col(A, j) (1-based) as a column vector."""
    def line(m, A, k):
        A = m.as_mat(A)
        r, c = m.shape(A)
        if what == "row":
            i = m.index(k, r, what)
            return _column(m, [m.at(A, i, j) for j in range(c)])
        j = m.index(k, c, what)
        return _column(m, [m.at(A, i, j) for i in range(r)])
    return line


define("row", 2, "row(A, i): i-th row as a column vector (1-based)", "row([[1, 2], [3, 4]], 2)",
       takes=VALUES)(_line("row"))
define("col", 2, "col(A, j): j-th column (1-based)", "col([[1, 2], [3, 4]], 1)", takes=VALUES)(_line("column"))


define("vec", 1, "vec(A): entries as a column vector, row-major", "vec([[1, 2], [3, 4]])",
       takes=VALUES)(lambda m, A: _column(m, _entries(m, m.as_mat(A))))


def _stack(horizontal: bool):
    def stack(m, *parts):
        mats = [m.as_mat(p) for p in parts]
        shapes = [m.shape(A) for A in mats]
        if horizontal:
            if len({r for r, _ in shapes}) != 1:
                m.fail("hstack needs equal row counts")
            rows = [[m.at(A, i, j) for A, (_, c) in zip(mats, shapes) for j in range(c)]
                    for i in range(shapes[0][0])]
            return m.mat(rows, sum(c for _, c in shapes))
        if len({c for _, c in shapes}) != 1:
            m.fail("vstack needs equal column counts")
        rows = [[m.at(A, i, j) for j in range(c)] for A, (r, c) in zip(mats, shapes) for i in range(r)]
        return m.mat(rows, shapes[0][1])
    return stack


define("hstack", (2, -1), "hstack(A, B, ...): side by side", "hstack([[1], [2]], [[3], [4]])",
       takes=VALUES)(_stack(True))
define("vstack", (2, -1), "vstack(A, B, ...): stacked", "vstack([[1, 2]], [[3, 4]])", takes=VALUES)(_stack(False))


@define("matrix", (3, -1), "matrix(r, c, a11, a12, ...): a matrix from its entries, row by row ([[...]] literals)",
        "matrix(2, 2, 1, 2, 3, 4)", takes=VALUES)
def _matrix(m, r, c, *entries):
    r, c = m.size(r), m.size(c)
    if r * c != len(entries):
        m.fail("matrix literal has the wrong number of entries")
    return m.mat([[m.scalar(entries[i * c + j]) for j in range(c)] for i in range(r)], c)


@define("diag", 1, "diag(v): diagonal matrix from a vector", "diag([[1], [2]])", takes=VALUES)
def _diag(m, v):
    v = m.as_mat(v)
    if 1 not in m.shape(v):
        m.fail("diag needs a vector")
    d, zero = _entries(m, v), m.zero
    return m.mat([[e if i == j else zero for j in range(len(d))] for i, e in enumerate(d)], len(d))


@define("eye", 1, "eye(n): n x n identity", "eye(2)", takes=VALUES)
def _eye(m, n):
    n = m.size(n)
    one, zero = m.one, m.zero
    return m.mat([[one if i == j else zero for j in range(n)] for i in range(n)], n)


define("zeros", 2, "zeros(r, c): zero matrix", "zeros(2, 3)", takes=VALUES)(lambda m, r, c: _filled(m, r, c, m.zero))
define("ones", 2, "ones(r, c): all-ones matrix", "ones(2, 1)", takes=VALUES)(lambda m, r, c: _filled(m, r, c, m.one))


def _trace(m, A):
    A = m.as_mat(A)
    return m.total([m.at(A, i, i) for i in range(min(m.shape(A)))])


define("trace", 1, "trace(A)", "trace([[2, 1], [1, 3]])", "trace([[1, 2, 3], [4, 5, 6]])",
       latex=r"\operatorname{tr}\left(#1\right)", takes=VALUES)(_trace)
define("tr", 1, "tr(A): trace", "tr([[2, 1], [1, 3]])", latex=r"\operatorname{tr}\left(#1\right)", takes=VALUES)(_trace)


def _extreme_entry(pick: str):
    def extreme(m, A):
        entries = _entries(m, m.as_mat(A))
        if not entries:
            m.fail("an empty matrix has no entries")
        return reduce(getattr(m, pick), entries)
    return extreme


define("maxentry", 1, "maxentry(A): the largest entry", "maxentry([[1, 5], [3, -2]])",
       takes=VALUES)(_extreme_entry("max2"))
define("minentry", 1, "minentry(A): the smallest entry", "minentry([[1, 5], [3, -2]])",
       takes=VALUES)(_extreme_entry("min2"))


@define("hadamard", 2, "hadamard(A, B): entrywise product", "hadamard([[1, 2], [3, 4]], [[5, 6], [7, 8]])",
        takes=VALUES)
def _hadamard(m, A, B):
    A, B = m.as_mat(A), m.as_mat(B)
    (r, c), shape = m.shape(A), m.shape(B)
    if (r, c) != shape:
        m.fail(f"hadamard of shapes {(r, c)} and {shape}")
    return m.hadamard(A, B)
