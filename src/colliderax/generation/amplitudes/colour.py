"""Exact SU(3) colour algebra for tree diagrams.

A colour expression is a linear combination of products of *chains*:

* open chain ``("o", i, (a1, ..., ak), j)`` = (T^{a1} ... T^{ak})_{ij} (``k = 0`` is δ_ij),
* closed chain ``("t", (a1, ..., ak))`` = Tr(T^{a1} ... T^{ak}), rotated to start at its
  smallest label.

Structure constants become traces, f^{abc} = −2i [Tr(T^a T^b T^c) − Tr(T^a T^c T^b)], and
every summed adjoint index is removed with the Fierz identity
T^e_{ij} T^e_{kl} = ½ (δ_il δ_kj − δ_ij δ_kl / N), with Tr(T^a T^b) = δ^{ab}/2. What remains
for a diagram is a sum over products of chains carrying only external labels: the colour-flow
basis of MG5's JAMPs. Coefficients are exact: pairs of Fractions (real, imaginary).
Labels are integers; which ones are summed over is passed explicitly.
"""

from collections.abc import Iterable
from fractions import Fraction

N_COLOURS = 3

Coef = tuple[Fraction, Fraction]
Chain = tuple
Term = tuple[Chain, ...]  # sorted
Expr = dict[Term, Coef]

ONE: Coef = (Fraction(1), Fraction(0))


def cmul(a: Coef, b: Coef) -> Coef:
    return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])


def cadd(a: Coef, b: Coef) -> Coef:
    return (a[0] + b[0], a[1] + b[1])


def cconj(a: Coef) -> Coef:
    return (a[0], -a[1])


def to_complex(a: Coef) -> complex:
    return complex(float(a[0]), float(a[1]))


def _rotate(labels: tuple[int, ...]) -> tuple[int, ...]:
    if not labels:
        return labels
    k = labels.index(min(labels))
    return labels[k:] + labels[:k]


def _canon(chains: Iterable[Chain]) -> Term:
    out = []
    for c in chains:
        out.append(("t", _rotate(c[1])) if c[0] == "t" else c)
    return tuple(sorted(out, key=repr))


def _add_term(expr: Expr, term: Term, coef: Coef) -> None:
    total = cadd(expr.get(term, (Fraction(0), Fraction(0))), coef)
    if total[0] == 0 and total[1] == 0:
        expr.pop(term, None)
    else:
        expr[term] = total


def from_factors(factors: Iterable[tuple]) -> Expr:
    """An expression from vertex factors ``("T", a, i, j)``, ``("f", a, b, c)``, ``("d", i, j)``."""
    terms: list[tuple[Coef, list[Chain]]] = [(ONE, [])]
    minus_two_i: Coef = (Fraction(0), Fraction(-2))
    for factor in factors:
        kind = factor[0]
        if kind == "T":
            _, a, i, j = factor
            terms = [(c, [*ch, ("o", i, (a,), j)]) for c, ch in terms]
        elif kind == "d":
            _, i, j = factor
            terms = [(c, [*ch, ("o", i, (), j)]) for c, ch in terms]
        elif kind == "f":
            _, a, b, c3 = factor
            new = []
            for c, ch in terms:
                new.append((cmul(c, minus_two_i), [*ch, ("t", (a, b, c3))]))
                new.append((cmul(c, (Fraction(0), Fraction(2))), [*ch, ("t", (a, c3, b))]))
            terms = new
        else:  # pragma: no cover - vertex tables only use T, f, d
            msg = f"unknown colour factor {factor!r}"
            raise ValueError(msg)
    expr: Expr = {}
    for coef, chains in terms:
        _add_term(expr, _canon(chains), coef)
    return expr


def multiply(a: Expr, b: Expr) -> Expr:
    """The product of two expressions (no contraction)."""
    out: Expr = {}
    for ta, ca in a.items():
        for tb, cb in b.items():
            _add_term(out, _canon(ta + tb), cmul(ca, cb))
    return out


def conjugate(expr: Expr) -> Expr:
    """Complex conjugate: (T^a...T^b)_{ij}* = (T^b...T^a)_{ji}, traces reversed."""
    out: Expr = {}
    for term, coef in expr.items():
        chains = []
        for c in term:
            if c[0] == "o":
                chains.append(("o", c[3], tuple(reversed(c[2])), c[1]))
            else:
                chains.append(("t", tuple(reversed(c[1]))))
        _add_term(out, _canon(chains), cconj(coef))
    return out


def contract(expr: Expr, summed: set[int]) -> Expr:
    """Sum over the colour labels in ``summed`` (each must occur exactly twice per term)."""
    out: Expr = {}
    for term, coef in expr.items():
        for t2, c2 in _reduce(list(term), summed, coef):
            _add_term(out, _canon(t2), c2)
    return out


_HALF: Coef = (Fraction(1, 2), Fraction(0))
_MINUS_HALF_OVER_N: Coef = (Fraction(-1, 2 * N_COLOURS), Fraction(0))


def _join_fundamental(chains: list[Chain], summed: set[int]) -> list[Chain] | None:
    """Join open chains across summed quark indices; None if a trace of one T vanishes."""
    chains = list(chains)
    changed = True
    while changed:
        changed = False
        for n, c in enumerate(chains):
            if c[0] != "o" or c[3] not in summed:
                continue
            end = c[3]
            if c[1] == end:  # closes on itself
                chains[n] = ("t", c[2])
                changed = True
                break
            for m, d in enumerate(chains):
                if m != n and d[0] == "o" and d[1] == end:
                    chains[n] = ("o", c[1], c[2] + d[2], d[3])
                    del chains[m]
                    changed = True
                    break
            if changed:
                break
    return chains


def _simplify_traces(coef: Coef, chains: list[Chain]) -> tuple[Coef, list[Chain]] | None:
    out = []
    for c in chains:
        if c[0] == "t":
            if len(c[1]) == 0:
                coef = cmul(coef, (Fraction(N_COLOURS), Fraction(0)))
                continue
            if len(c[1]) == 1:
                return None
        out.append(c)
    return coef, out


def _reduce(chains: list[Chain], summed: set[int], coef: Coef):
    chains = _join_fundamental(chains, summed)
    simplified = _simplify_traces(coef, chains)
    if simplified is None:
        return
    coef, chains = simplified
    # Find a summed adjoint label.
    where: dict[int, list[tuple[int, int]]] = {}
    for n, c in enumerate(chains):
        labels = c[2] if c[0] == "o" else c[1]
        for pos, a in enumerate(labels):
            if a in summed:
                where.setdefault(a, []).append((n, pos))
    if not where:
        yield chains, coef
        return
    e, places = next(iter(where.items()))
    if len(places) != 2:  # pragma: no cover - guarded by construction
        msg = f"colour index {e} occurs {len(places)} times"
        raise ValueError(msg)
    (n1, q1), (n2, q2) = places
    for new_chains, c in _fierz(chains, n1, q1, n2, q2):
        yield from _reduce(new_chains, summed, cmul(coef, c))


def _fierz(chains, n1, q1, n2, q2):
    """Apply T^e_{ij} T^e_{kl} = ½ δ_il δ_kj − 1/(2N) δ_ij δ_kl at the two occurrences."""
    rest = [c for n, c in enumerate(chains) if n not in (n1, n2)]
    c1, c2 = chains[n1], chains[n2]
    if n1 == n2:
        if c1[0] == "o":  # (i, A e B e C, j)
            _, i, labels, j = c1
            a, b, c = labels[:q1], labels[q1 + 1 : q2], labels[q2 + 1 :]
            yield [*rest, ("o", i, a + c, j), ("t", b)], _HALF
            yield [*rest, ("o", i, a + b + c, j)], _MINUS_HALF_OVER_N
        else:  # Tr(e A e B) after rotation
            labels = c1[1][q1:] + c1[1][:q1]
            q = q2 - q1
            a, b = labels[1:q], labels[q + 1 :]
            yield [*rest, ("t", a), ("t", b)], _HALF
            yield [*rest, ("t", a + b)], _MINUS_HALF_OVER_N
        return
    if c1[0] == "t" and c2[0] == "o":
        c1, c2, q1, q2 = c2, c1, q2, q1
    if c1[0] == "o" and c2[0] == "o":  # (i, A e B, j) (k, C e D, l)
        _, i, l1, j = c1
        _, k, l2, l = c2
        a, b = l1[:q1], l1[q1 + 1 :]
        c, d = l2[:q2], l2[q2 + 1 :]
        yield [*rest, ("o", i, a + d, l), ("o", k, c + b, j)], _HALF
        yield [*rest, ("o", i, a + b, j), ("o", k, c + d, l)], _MINUS_HALF_OVER_N
    elif c1[0] == "o":  # (i, A e B, j) Tr(e C)
        _, i, l1, j = c1
        a, b = l1[:q1], l1[q1 + 1 :]
        cl = c2[1][q2 + 1 :] + c2[1][:q2]
        yield [*rest, ("o", i, a + cl + b, j)], _HALF
        yield [*rest, ("o", i, a + b, j), ("t", cl)], _MINUS_HALF_OVER_N
    else:  # Tr(e A) Tr(e B)
        al = c1[1][q1 + 1 :] + c1[1][:q1]
        bl = c2[1][q2 + 1 :] + c2[1][:q2]
        yield [*rest, ("t", al + bl)], _HALF
        yield [*rest, ("t", al), ("t", bl)], _MINUS_HALF_OVER_N


def labels_of(term: Term) -> set[int]:
    out: set[int] = set()
    for c in term:
        if c[0] == "o":
            out.update((c[1], c[3], *c[2]))
        else:
            out.update(c[1])
    return out


def inner_product(a: Term, b: Term) -> Coef:
    """Σ over all colour labels of basis element ``a`` times the conjugate of ``b``."""
    prod = multiply({a: ONE}, conjugate({b: ONE}))
    labels = labels_of(a) | labels_of(b)
    result = contract(prod, labels)
    total = (Fraction(0), Fraction(0))
    for term, coef in result.items():
        if term:  # pragma: no cover - everything is summed
            msg = f"uncontracted colour structure {term}"
            raise ValueError(msg)
        total = cadd(total, coef)
    return total
