"""Which catalog items unlock the most new outfits with what a customer already owns. Pure.

numpy and the standard library only: no database, no web framework, nothing from ``app``. The rules
(slot pairs, formality, seasons, colour, patterns, style tags) and every threshold live in
:class:`Weights`; ``docs/recommender.md`` explains them, the counting, and what is not claimed.

The rules are written twice: once for one pair of garments (``compatible``, ``pair_score``: the
readable definition, table-tested) and once on arrays (the same arithmetic, so the same answers).
Per request (see the doc for the maths):

* the catalog is indexed once (:class:`CatalogIndex`): candidates every rule sees alike share a
  *class*, so the rules run on classes x owned items, not on 50,000 items;
* owned items every candidate class and every owned item sees alike form a *type*, counted once
  with its multiplicity;
* per outfit slot, the classes' compatibility rows are de-duplicated and the outfits each row
  unlocks are counted with matrix products (cliques of up to four owned types around it);
* only the top ``limit`` are explained (which owned items they pair with, example outfits).
"""

from __future__ import annotations

import colorsys
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np

SLOTS = ("top", "bottom", "one_piece", "outerwear", "shoes", "bag", "accessory")
OUTFIT_SLOTS = ("top", "bottom", "one_piece", "outerwear", "shoes", "bag")
TEMPLATES = (("top", "bottom", "shoes"), ("one_piece", "shoes"))  # the required core of an outfit
OPTIONAL = ("outerwear", "bag")  # zero or one of each
_PAIRS = (
    ("top", "bottom"),
    ("top", "shoes"),
    ("bottom", "shoes"),
    ("one_piece", "shoes"),
    *(("outerwear", s) for s in ("top", "bottom", "one_piece", "shoes")),
    *(("bag", s) for s in ("top", "bottom", "one_piece", "outerwear", "shoes")),
)
SLOT_PAIRS: frozenset[frozenset[str]] = frozenset(frozenset(p) for p in _PAIRS)
# Slot codes; a slot string we do not know gets len(SLOTS) and pairs with nothing.
_CODE = {s: i for i, s in enumerate(SLOTS)}
_SLOT_OK = np.zeros((len(SLOTS) + 1, len(SLOTS) + 1), dtype=bool)
for _a, _b in _PAIRS:
    _SLOT_OK[_CODE[_a], _CODE[_b]] = _SLOT_OK[_CODE[_b], _CODE[_a]] = True
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Weights:
    """Every rule threshold and ranking weight, in one place (documented in docs/recommender.md)."""

    # Hard rules: a pair failing one of these is not compatible.
    max_formality_gap: int = 2
    quiet_patterns: frozenset[str] = frozenset({"solid"})  # every other pattern counts as bold
    min_harmony: float = 0.5  # below this hue harmony the pair is not compatible
    # Neutrals (HSV, hue in degrees, saturation and value 0..1): they go with every colour.
    neutral_max_saturation: float = 0.2  # greys, black, white, ivory, ecru
    neutral_max_value: float = 0.2  # anything this dark reads as black
    navy_hue: tuple[float, float] = (200.0, 250.0)
    navy_max_value: float = 0.45
    earth_hue: tuple[float, float] = (15.0, 60.0)  # beige, camel, brown, khaki
    earth_max_saturation: float = 0.55
    denim_hue: tuple[float, float] = (200.0, 230.0)
    denim_saturation: tuple[float, float] = (0.25, 0.7)
    denim_value: tuple[float, float] = (0.3, 0.75)
    # Soft hue harmony between two non-neutral colours (1.0 = no opinion).
    analogous_within: float = 30.0  # hue distance up to this: analogous
    analogous_bonus: float = 0.15
    triadic_within: float = 15.0  # this close to 120 degrees: triadic
    triadic_bonus: float = 0.05
    complementary_within: float = 20.0  # this close to 180 degrees: complementary
    complementary_bonus: float = 0.1
    clash_penalty: float = 0.8  # x the lower saturation of the two, for any other hue distance
    # Pair score (how well two compatible pieces go together).
    formality_step_penalty: float = 0.05  # per formality step between the two
    style_bonus: float = 0.2  # x Jaccard overlap of the style tags
    # Near-duplicates of owned items are not recommended.
    duplicate_rgb_distance: float = 40.0  # Euclidean, 0..255 channels
    duplicate_formality_gap: int = 1
    # Ranking: score = a*log1p(unlocked) + b*log1p(wakes up) + c*mean pair score.
    rank_unlocked: float = 1.0
    rank_wakes: float = 0.75
    rank_compatibility: float = 0.5
    # At most this share of a list (rounded up, at least 1) comes from one slot: a bag or a coat
    # that suits many outfits counts one new outfit per outfit, and a list of 20 bags helps nobody.
    max_share_per_slot: float = 0.4
    # ... and a list spans at least this many slots when candidates of that many slots unlock
    # an outfit: the best of a missing slot replaces the lowest-ranked pick of a crowded one.
    min_slots: int = 3


DEFAULT_WEIGHTS = Weights()


def _norm(text: str) -> str:
    return text.strip().lower()


@dataclass(frozen=True)
class Garment:
    """An owned item or a catalog candidate. Unknown attributes are None/empty and never block."""

    id: int
    slot: str
    colour_rgb: str | None = None
    secondary_rgb: str | None = None
    pattern: str | None = None
    formality: int | None = None
    seasons: frozenset[str] = frozenset()
    style_tags: frozenset[str] = frozenset()
    colour_name: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        for rgb in (self.colour_rgb, self.secondary_rgb):
            if rgb is not None and not _HEX.match(rgb):
                raise ValueError(f"garment {self.id}: colour {rgb!r} is not #rrggbb")
        if self.formality is not None and not 1 <= self.formality <= 5:
            raise ValueError(f"garment {self.id}: formality {self.formality} is not 1-5")
        # Compare words case-insensitively; accept any iterable for the sets.
        object.__setattr__(self, "slot", _norm(self.slot))
        object.__setattr__(self, "seasons", frozenset(_norm(s) for s in self.seasons))
        object.__setattr__(self, "style_tags", frozenset(_norm(t) for t in self.style_tags))
        object.__setattr__(self, "pattern", _norm(self.pattern or "solid") or "solid")


@dataclass(frozen=True)
class Recommendation:
    candidate_id: int
    outfits_unlocked: int
    wakes_up: tuple[int, ...]  # owned ids in no outfit before, in one with the candidate
    pairs_with: tuple[int, ...]  # owned ids in an unlocked outfit, most outfits first
    examples: tuple[tuple[int, ...], ...]  # up to 3 outfits (ids incl. the candidate), slot order
    compatibility: float  # mean pair score with the owned items it is compatible with
    score: float
    pair_counts: tuple[int, ...] = ()  # per pairs_with item: unlocked outfits holding both
    pair_scores: tuple[float, ...] = ()  # per pairs_with item: how well the two go together


# ---- the rules, one pair at a time (readable; the vectorised path below must agree)


def _rgb(rgb: str) -> tuple[int, int, int]:
    return int(rgb[1:3], 16), int(rgb[3:5], 16), int(rgb[5:7], 16)


@lru_cache(maxsize=100_000)
def colour_features(rgb: str, weights: Weights = DEFAULT_WEIGHTS) -> tuple[bool, float, float]:
    """(is neutral, hue in degrees, HSV saturation) of a ``#rrggbb`` colour."""
    r, g, b = _rgb(rgb)
    h, s, v = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
    hue = h * 360.0
    w = weights

    def within(x: float, span: tuple[float, float]) -> bool:
        return span[0] <= x <= span[1]

    neutral = (
        s <= w.neutral_max_saturation
        or v <= w.neutral_max_value
        or (within(hue, w.navy_hue) and v <= w.navy_max_value)
        or (within(hue, w.earth_hue) and s <= w.earth_max_saturation)
        or (within(hue, w.denim_hue) and within(s, w.denim_saturation) and within(v, w.denim_value))
    )
    return neutral, hue, s


def is_neutral(rgb: str, weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """True for colours that go with everything (black, white, greys, navy, beige, denim ...)."""
    return colour_features(rgb, weights)[0]


def harmony(a: str | None, b: str | None, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """Soft hue-harmony factor of two colours: 1.0 when either is unknown or neutral."""
    if a is None or b is None:
        return 1.0
    na, ha, sa = colour_features(a, weights)
    nb, hb, sb = colour_features(b, weights)
    if na or nb:
        return 1.0
    w = weights
    d = abs(ha - hb)
    d = min(d, 360.0 - d)
    if d <= w.analogous_within:
        return 1.0 + w.analogous_bonus
    if abs(d - 180.0) <= w.complementary_within:
        return 1.0 + w.complementary_bonus
    if abs(d - 120.0) <= w.triadic_within:
        return 1.0 + w.triadic_bonus
    return 1.0 - w.clash_penalty * min(sa, sb)


def _bold(pattern: str | None, weights: Weights) -> bool:
    return (pattern or "solid") not in weights.quiet_patterns


def compatible(a: Garment, b: Garment, weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """Whether two pieces may be worn in one outfit (every hard rule; unknowns never block)."""
    w = weights
    if frozenset((a.slot, b.slot)) not in SLOT_PAIRS:
        return False
    if a.formality and b.formality and abs(a.formality - b.formality) > w.max_formality_gap:
        return False
    if a.seasons and b.seasons and not a.seasons & b.seasons:
        return False
    if _bold(a.pattern, w) and _bold(b.pattern, w):
        return False
    return harmony(a.colour_rgb, b.colour_rgb, w) >= w.min_harmony


def pair_score(a: Garment, b: Garment, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """How well two pieces go together: 0.0 when incompatible, about 0.5-1.35 otherwise."""
    if not compatible(a, b, weights):
        return 0.0
    w = weights
    score = harmony(a.colour_rgb, b.colour_rgb, w)
    if a.formality and b.formality:
        score = score - w.formality_step_penalty * abs(a.formality - b.formality)
    union = len(a.style_tags | b.style_tags)
    jaccard = len(a.style_tags & b.style_tags) / union if union else 0.0
    return score + w.style_bonus * jaccard


def near_duplicate(candidate: Garment, owned: Garment, weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """Same slot and pattern, colour within a small RGB distance, formality close (if known)."""
    if candidate.slot != owned.slot or candidate.pattern != owned.pattern:
        return False
    if candidate.colour_rgb is None or owned.colour_rgb is None:
        return False  # without both colours there is no telling
    if (
        candidate.formality
        and owned.formality
        and abs(candidate.formality - owned.formality) > weights.duplicate_formality_gap
    ):
        return False
    ca, oa = _rgb(candidate.colour_rgb), _rgb(owned.colour_rgb)
    distance2 = sum((x - y) ** 2 for x, y in zip(ca, oa, strict=True))
    return distance2 <= weights.duplicate_rgb_distance**2


def is_complete_outfit(items: Sequence[Garment], weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """top+bottom+shoes or one_piece+shoes, at most one outerwear and one bag, all pairs compatible.

    Accessories never count toward an outfit, so an outfit holding one is not a (counted) outfit."""
    slots = [g.slot for g in items]
    if len(set(slots)) != len(slots) or not set(slots) <= set(OUTFIT_SLOTS):
        return False
    core = set(slots) - set(OPTIONAL)
    if core not in ({"top", "bottom", "shoes"}, {"one_piece", "shoes"}):
        return False
    return all(compatible(a, b, weights) for a, b in combinations(items, 2))


# ---- the same rules on arrays: small tables of distinct values, gathered per pair


class _Vocab:
    """Word -> column, shared by the two sides of a pairwise computation."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.index: dict[str, int] = {}
        for word in words:
            self.add(word)

    def add(self, word: str) -> int:
        return self.index.setdefault(word, len(self.index))

    def copy(self) -> _Vocab:
        return _Vocab(self.index)

    def matrix(self, sets: Sequence[frozenset[str]]) -> np.ndarray:
        rows = [[self.add(word) for word in s] for s in sets]
        out = np.zeros((len(sets), max(1, len(self.index))), dtype=np.float32)
        for i, columns in enumerate(rows):
            out[i, columns] = 1.0
        return out


def _widen(matrix: np.ndarray, width: int) -> np.ndarray:
    extra = width - matrix.shape[1]
    return np.pad(matrix, ((0, 0), (0, extra))) if extra > 0 else matrix


def _harmony_table(
    hue_a: np.ndarray, sat_a: np.ndarray, plain_a: np.ndarray,
    hue_b: np.ndarray, sat_b: np.ndarray, plain_b: np.ndarray, w: Weights,
) -> np.ndarray:  # fmt: skip
    """``harmony`` for every pair; ``plain`` = neutral or unknown colour."""
    d = np.abs(hue_a[:, None] - hue_b[None, :])
    d = np.minimum(d, 360.0 - d)
    clash = 1.0 - w.clash_penalty * np.minimum(sat_a[:, None], sat_b[None, :])
    h = np.where(np.abs(d - 120.0) <= w.triadic_within, 1.0 + w.triadic_bonus, clash)
    h = np.where(np.abs(d - 180.0) <= w.complementary_within, 1.0 + w.complementary_bonus, h)
    h = np.where(d <= w.analogous_within, 1.0 + w.analogous_bonus, h)
    return np.where(plain_a[:, None] | plain_b[None, :], 1.0, h)


def _formality_table(fa: np.ndarray, fb: np.ndarray, w: Weights) -> tuple[np.ndarray, np.ndarray]:
    """(within the allowed gap, score penalty) for every pair; 0 = unknown."""
    a, b = fa.astype(np.int16)[:, None], fb.astype(np.int16)[None, :]
    known = (a > 0) & (b > 0)
    gap = np.abs(a - b)
    return ~known | (gap <= w.max_formality_gap), np.where(
        known, w.formality_step_penalty * gap, 0.0
    )


def _season_table(ma: np.ndarray, ka: np.ndarray, mb: np.ndarray, kb: np.ndarray) -> np.ndarray:
    width = max(ma.shape[1], mb.shape[1])
    overlap = (_widen(ma, width) @ _widen(mb, width).T) > 0
    return ~(ka[:, None] & kb[None, :]) | overlap


def _jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    width = max(a.shape[1], b.shape[1])
    a, b = _widen(a, width), _widen(b, width)
    inter = (a @ b.T).astype(np.float64)
    union = a.sum(1, dtype=np.float64)[:, None] + b.sum(1, dtype=np.float64)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


@dataclass
class _Features:
    """One row per garment (owned items, or the few candidates being explained)."""

    slot: np.ndarray  # int8 slot code
    plain: np.ndarray  # neutral or unknown colour
    hue: np.ndarray
    sat: np.ndarray
    coloured: np.ndarray
    rgb: np.ndarray  # int32 (n, 3)
    formality: np.ndarray  # int8, 0 = unknown
    seasons: np.ndarray  # float32 (n, vocabulary)
    season_known: np.ndarray
    bold: np.ndarray
    pattern: np.ndarray  # int32 id
    tags: np.ndarray  # float32 (n, vocabulary)

    @classmethod
    def of(
        cls, items: Sequence[Garment], w: Weights, seasons: _Vocab, patterns: _Vocab, tags: _Vocab
    ) -> _Features:
        seen: dict[str | None, tuple[bool, float, float]] = {None: (True, 0.0, 0.0)}
        colours = [
            seen[g.colour_rgb]
            if g.colour_rgb in seen
            else seen.setdefault(g.colour_rgb, colour_features(g.colour_rgb, w))  # type: ignore[arg-type]
            for g in items
        ]
        rgb = [_rgb(g.colour_rgb) if g.colour_rgb else (0, 0, 0) for g in items]
        return cls(
            slot=np.array([_CODE.get(g.slot, len(SLOTS)) for g in items], dtype=np.int8),
            plain=np.array([c[0] for c in colours], dtype=bool),
            hue=np.array([c[1] for c in colours], dtype=np.float64),
            sat=np.array([c[2] for c in colours], dtype=np.float64),
            coloured=np.array([g.colour_rgb is not None for g in items], dtype=bool),
            rgb=np.array(rgb, dtype=np.int32).reshape(-1, 3),
            formality=np.array([g.formality or 0 for g in items], dtype=np.int8),
            seasons=seasons.matrix([g.seasons for g in items]),
            season_known=np.array([bool(g.seasons) for g in items], dtype=bool),
            bold=np.array([_bold(g.pattern, w) for g in items], dtype=bool),
            pattern=np.array([patterns.add(g.pattern or "solid") for g in items], dtype=np.int32),
            tags=tags.matrix([g.style_tags for g in items]),
        )

    def take(self, rows: np.ndarray) -> _Features:
        return _Features(**{k: v[rows] for k, v in self.__dict__.items()})


def _pairwise(a: _Features, b: _Features, w: Weights) -> tuple[np.ndarray, np.ndarray]:
    """(compatible, harmony - formality penalty) for every pair a_i x b_j (style tags apart)."""
    h = _harmony_table(a.hue, a.sat, a.plain, b.hue, b.sat, b.plain, w)
    formal, penalty = _formality_table(a.formality, b.formality, w)
    ok = _SLOT_OK[a.slot[:, None], b.slot[None, :]] & formal
    ok &= _season_table(a.seasons, a.season_known, b.seasons, b.season_known)
    ok &= ~(a.bold[:, None] & b.bold[None, :]) & (h >= w.min_harmony)
    return ok, h - penalty


def _full_scores(a: _Features, b: _Features, w: Weights) -> tuple[np.ndarray, np.ndarray]:
    """(compatible, pair score) for every pair, style-tag bonus included."""
    ok, base = _pairwise(a, b, w)
    return ok, np.where(ok, base + w.style_bonus * _jaccard(a.tags, b.tags), 0.0)


# ---- counting outfits: cliques of owned items around a candidate


def _shapes(slot: str) -> list[tuple[str, ...]]:
    """The owned slots that complete an outfit around a piece of ``slot``, one tuple per kind.

    Each tuple is a distinct set of slots: outfits counted under different tuples never repeat."""
    shapes = []
    for core in TEMPLATES:
        for k in range(len(OPTIONAL) + 1):
            for extra in combinations(OPTIONAL, k):
                full = core + extra
                if slot in full:
                    shapes.append(tuple(s for s in full if s != slot))
    return shapes


def _needed_for_waking(slot: str, shape: tuple[str, ...]) -> bool:
    """Whether outfits of this shape can be the smallest outfit holding the candidate and an item.

    A bag or coat wakes nothing: any outfit it joins minus itself is an outfit of owned items, so
    every owned piece in it was awake already. And an item in an outfit with both optional pieces
    is also in the one without the optional piece that is not the item."""
    return slot not in OPTIONAL and sum(s in OPTIONAL for s in shape) <= 1


class _Closet:
    """The owned items of one request. Items that every rule sees alike share a *key*, and the
    rules run once per key; explanations and examples read the item-level matrices."""

    def __init__(self, items: Sequence[Garment], features: _Features, weights: Weights) -> None:
        self.items = list(items)
        self.ids = np.array([g.id for g in items], dtype=np.int64)
        self.features = features
        hued = ~features.plain
        alike = np.column_stack(
            [
                features.slot,
                hued,
                np.where(hued, features.hue, 0.0),
                np.where(hued, features.sat, 0.0),
                features.formality,
                features.season_known,
                features.bold,
                features.seasons,
            ]
        ).astype(np.float64)
        first, self.key_of = _unique_rows(
            alike.view(np.uint8).reshape(len(items), 8 * alike.shape[1])
        )
        self.keys = features.take(first)
        self.multiplicity = np.bincount(self.key_of, minlength=first.size).astype(np.float64)
        self.members = np.zeros((len(items), first.size))  # item x key, one-hot
        self.members[np.arange(len(items)), self.key_of] = 1.0
        self.key_ok, key_base = _pairwise(self.keys, self.keys, weights)
        pairs = np.ix_(self.key_of, self.key_of)
        self.ok = self.key_ok[pairs]
        bonus = weights.style_bonus * _jaccard(features.tags, features.tags)
        self.score = np.where(self.ok, key_base[pairs] + bonus, 0.0)
        self.groups = {s: np.flatnonzero(features.slot == _CODE[s]) for s in OUTFIT_SLOTS}

    def partners(self, slot: str) -> np.ndarray:
        """Mask of owned items in slots that pair with ``slot``."""
        return _SLOT_OK[_CODE.get(slot, len(SLOTS)), self.features.slot]


class _Counter:
    """Counts outfits over owned *types*: items whose compatibility with every owned item and every
    candidate class in play is identical are interchangeable, so each type is counted once with
    its multiplicity (a clique of types stands for the product of their multiplicities).

    ``count`` works on R rows at once: 0/1 masks of the types compatible with a candidate, times
    the multiplicities. Every product holds non-negative integers below 2**24 (float32 is exact)
    and every sum over many terms is taken in float64."""

    def __init__(
        self, reps: np.ndarray, slots: np.ndarray, ok: np.ndarray, multiplicity: np.ndarray
    ) -> None:
        self.reps = reps  # the owned key standing for each type
        self.slots = slots
        self.okf = ok.astype(np.float32)
        self.multiplicity = multiplicity.astype(np.float32)
        self.groups = {s: np.flatnonzero(slots == _CODE[s]) for s in OUTFIT_SLOTS}
        self._cache: dict[tuple[object, ...], object] = {}
        self.awake = self._awake()

    def partners(self, slot: str) -> np.ndarray:
        return _SLOT_OK[_CODE.get(slot, len(SLOTS)), self.slots]

    def _block(self, s1: str, s2: str) -> np.ndarray:
        return self.okf[np.ix_(self.groups[s1], self.groups[s2])]

    def _edges(self, s1: str, s2: str, present: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Compatible pairs (or, with present=False, incompatible ones) as local index arrays."""
        key = ("edges", s1, s2, present)
        if key not in self._cache:
            self._cache[key] = np.nonzero(self._block(s1, s2) == (1.0 if present else 0.0))
        return self._cache[key]  # type: ignore[return-value]

    def _group_sum(
        self, values: np.ndarray, keys: np.ndarray, size: int, tag: object
    ) -> np.ndarray:
        """Sum the columns of ``values`` that share a key: (R, E) -> (R, size), exact for counts."""
        key = ("sums", tag)
        if key not in self._cache:
            order = np.argsort(keys, kind="stable")
            self._cache[key] = order, np.searchsorted(keys[order], np.arange(size + 1))
        order, bounds = self._cache[key]  # type: ignore[misc]
        total = np.zeros((values.shape[0], values.shape[1] + 1))
        np.cumsum(values[:, order], axis=1, out=total[:, 1:])
        return total[:, bounds[1:]] - total[:, bounds[:-1]]

    def count(
        self, rows: np.ndarray, shape: tuple[str, ...], part: np.ndarray | None
    ) -> np.ndarray:
        """Cliques of ``shape`` (one owned item per slot) inside each row's neighbourhood; if
        ``part`` is given, each owned item's number of such cliques is added to it."""
        if any(self.groups[s].size == 0 for s in shape):
            return np.zeros(rows.shape[0])
        if len(shape) == 1:
            g1 = self.groups[shape[0]]
            if part is not None:
                part[:, g1] += rows[:, g1]
            return rows[:, g1].sum(1, dtype=np.float64)
        if len(shape) == 2:
            return self._count2(rows, shape, part)
        if len(shape) == 3:
            return self._count3(rows, shape, part)
        return self._count4(rows, shape, part)

    def _count2(
        self, rows: np.ndarray, shape: tuple[str, ...], part: np.ndarray | None
    ) -> np.ndarray:
        s1, s2 = shape
        g1, g2 = self.groups[s1], self.groups[s2]
        n1, n2, c12 = rows[:, g1], rows[:, g2], self._block(s1, s2)
        m = n1 @ c12
        if part is not None:
            part[:, g2] += n2 * m
            part[:, g1] += n1 * (n2 @ c12.T)
        return (m * n2).sum(1, dtype=np.float64)

    def _count3(
        self, rows: np.ndarray, shape: tuple[str, ...], part: np.ndarray | None
    ) -> np.ndarray:
        key = ("plan", shape)
        if key not in self._cache:
            # Enumerate the pair with the fewest edges x size of the third slot.
            _, (s1, s2, s3) = min(
                (self._edges(*pair)[0].size * self.groups[third].size, (*pair, third))
                for third in shape
                for pair in [tuple(s for s in shape if s != third)]
            )
            ea, eb = self._edges(s1, s2)
            third = self._block(s1, s3)[ea] * self._block(s2, s3)[eb]  # (E, s3)
            self._cache[key] = (s1, s2, s3, ea, eb, third)
        s1, s2, s3, ea, eb, third = self._cache[key]  # type: ignore[misc]
        g1, g2, g3 = self.groups[s1], self.groups[s2], self.groups[s3]
        pairs = rows[:, g1][:, ea] * rows[:, g2][:, eb]  # (R, E): the edge is in the neighbourhood
        n3 = rows[:, g3]
        ways = pairs * (n3 @ third.T)  # (R, E): cliques through each edge
        if part is not None:
            part[:, g1] += self._group_sum(ways, ea, g1.size, (shape, 1))
            part[:, g2] += self._group_sum(ways, eb, g2.size, (shape, 2))
            part[:, g3] += n3 * (pairs @ third)
        return ways.sum(1, dtype=np.float64)

    def _plan4(self, shape: tuple[str, ...]) -> tuple[object, ...]:
        """Split four slots into an enumerated pair (s1, s2) and a pair (s3, s4) counted per edge.

        The (s3, s4) pairs compatible with both ends of an edge are counted either directly over
        the compatible (s3, s4) pairs, or as n3 * n4 minus the incompatible ones: whichever list
        is shorter (wardrobes are mostly compatible, so the complement usually wins)."""
        options = []
        for i, j in combinations(range(4), 2):
            p = (shape[i], shape[j])
            q = tuple(s for s in shape if s not in p)
            size = self.groups[q[0]].size * self.groups[q[1]].size
            present = self._edges(*q)[0].size
            absent = size - present
            direct = present <= absent + self.groups[q[0]].size + self.groups[q[1]].size
            per_edge = (
                present if direct else absent + self.groups[q[0]].size + self.groups[q[1]].size
            )
            cost = self._edges(*p)[0].size * per_edge
            options.append((cost, p, q, direct))
        _, (s1, s2), (s3, s4), direct = min(options)
        ea, eb = self._edges(s1, s2)
        ec, ed = self._edges(s3, s4, present=direct)
        with3 = self._block(s1, s3)[ea] * self._block(s2, s3)[eb]  # (E12, s3)
        with4 = self._block(s1, s4)[ea] * self._block(s2, s4)[eb]  # (E12, s4)
        links = with3[:, ec] * with4[:, ed]  # (E12, F): both ends of f fit both ends of e
        return s1, s2, s3, s4, ea, eb, ec, ed, with3, with4, links, direct

    def _count4(
        self, rows: np.ndarray, shape: tuple[str, ...], part: np.ndarray | None
    ) -> np.ndarray:
        key = ("plan", shape)
        if key not in self._cache:
            self._cache[key] = self._plan4(shape)
        s1, s2, s3, s4, ea, eb, ec, ed, with3, with4, links, direct = self._cache[key]  # type: ignore[misc]
        g1, g2, g3, g4 = (self.groups[s] for s in (s1, s2, s3, s4))
        left = rows[:, g1][:, ea] * rows[:, g2][:, eb]  # (R, E12)
        n3, n4 = rows[:, g3], rows[:, g4]
        pairs = n3[:, ec] * n4[:, ed]  # (R, F): the (s3, s4) pair f is in the neighbourhood
        listed = pairs @ links.T  # (R, E12): listed pairs that fit edge e
        if direct:
            per_edge = listed
        else:
            fit3, fit4 = n3 @ with3.T, n4 @ with4.T  # (R, E12): s3 / s4 items that fit edge e
            per_edge = fit3 * fit4 - listed
        ways = left * per_edge
        if part is not None:
            part[:, g1] += self._group_sum(ways, ea, g1.size, (shape, 1))
            part[:, g2] += self._group_sum(ways, eb, g2.size, (shape, 2))
            back = pairs * (left @ links)  # (R, F): edges that listed pair f fits
            sum3 = self._group_sum(back, ec, g3.size, (shape, 3))
            sum4 = self._group_sum(back, ed, g4.size, (shape, 4))
            if direct:
                part[:, g3] += sum3
                part[:, g4] += sum4
            else:
                part[:, g3] += n3 * ((left * fit4) @ with3) - sum3
                part[:, g4] += n4 * ((left * fit3) @ with4) - sum4
        return ways.sum(1, dtype=np.float64)

    def _awake(self) -> np.ndarray:
        """Types that are already in at least one complete outfit of owned items."""
        part = np.zeros((1, self.slots.size))
        everything = self.multiplicity[None, :]
        for core in TEMPLATES:
            for extra in ((), *((o,) for o in OPTIONAL)):
                self.count(everything, core + extra, part)
        return part[0] > 0

    def unlocked(
        self, rows: np.ndarray, slot: str, mode: str
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Outfits each (weighted) row unlocks for a candidate of ``slot``, and per type the
        outfits holding one given item of that type.

        mode "count": no participation; "wake": enough participation to tell who wakes up;
        "all": each owned item's number of unlocked outfits (for explanations)."""
        total = np.zeros(rows.shape[0])
        part = None if mode == "count" else np.zeros(rows.shape)
        for shape in _shapes(slot):
            wanted = mode == "all" or (mode == "wake" and _needed_for_waking(slot, shape))
            total += self.count(rows, shape, part if wanted else None)
        if part is not None:
            part /= np.maximum(self.multiplicity, 1.0)  # per type -> per item of the type
        return total, part


# ---- the catalog side, once per catalog


class CatalogIndex:
    """The catalog, indexed once (rebuild it when the catalog changes).

    Candidates that every hard rule sees alike share a *class* (slot, colour when not neutral,
    formality, seasons, boldness); per request the rules run on small tables of distinct values and
    are gathered per class, and outfits are counted once per distinct compatibility row."""

    def __init__(self, candidates: Sequence[Garment], weights: Weights = DEFAULT_WEIGHTS) -> None:
        w = self.weights = weights
        self.garments = list(candidates)
        self.ids = np.array([g.id for g in self.garments], dtype=np.int64)
        if np.unique(self.ids).size != self.ids.size:
            raise ValueError("candidate ids must be unique")
        # Number everything in sorted order, so the same catalog in any order gives the same
        # tables (and bit-for-bit the same scores).
        hued: dict[str, str] = {}  # rgb -> itself, or "" when neutral ("goes with everything")
        raw = [self._keys(g, hued) for g in self.garments]
        colours = _numbered(k[0][1] for k in raw if k[0][1])
        season_sets = _numbered(k[0][3] for k in raw)
        classes = _numbered(
            (slot, colours.get(rgb, -1), formality, season_sets[seasons], bold)
            for (slot, rgb, formality, seasons, bold), _, _ in raw
        )
        duplicates = _numbered(k[1] for k in raw if k[1][1])
        tagsets = _numbered(k[2] for k in raw)
        self.seasons = _Vocab(sorted({s for seasons in season_sets for s in seasons}))
        self.patterns = _Vocab(sorted({k[1][2] for k in raw}))
        self.tags = _Vocab(sorted({t for tags in tagsets for t in tags}))
        self.klass = np.array(
            [
                classes[(k[0][0], colours.get(k[0][1], -1), k[0][2], season_sets[k[0][3]], k[0][4])]
                for k in raw
            ],
            dtype=np.int64,
        )
        self.duplicate_key = np.array([duplicates.get(k[1], -1) for k in raw], dtype=np.int64)
        self.tagset = np.array([tagsets[k[2]] for k in raw], dtype=np.int64)
        # Everything but near-duplicates depends on (class, style tags) only: score those pairs.
        pairs, self.pair = np.unique(self.klass * len(tagsets) + self.tagset, return_inverse=True)
        self.pair_class, self.pair_tagset = (
            pairs // max(1, len(tagsets)),
            pairs % max(1, len(tagsets)),
        )
        table = np.array(list(classes), dtype=np.int64).reshape(-1, 5)
        self.class_slot, self.class_colour, self.class_formality = (
            table[:, 0],
            table[:, 1],
            table[:, 2],
        )
        self.class_seasons, self.class_bold = table[:, 3], table[:, 4].astype(bool)
        # Everything but the colour: few distinct combinations, checked once each per request.
        others, self.class_other = np.unique(table[:, [0, 2, 3, 4]], axis=0, return_inverse=True)
        self.other_slot, self.other_formality, self.other_seasons = (
            others[:, 0],
            others[:, 1],
            others[:, 2],
        )
        self.other_bold = others[:, 3].astype(bool)
        self.class_other = self.class_other.reshape(-1)
        features = [colour_features(rgb, w) for rgb in colours]
        self.colour_hue = np.array([f[1] for f in features], dtype=np.float64)
        self.colour_sat = np.array([f[2] for f in features], dtype=np.float64)
        self.season_sets = [frozenset(s) for s in season_sets]
        self.season_matrix = self.seasons.matrix(self.season_sets)
        self.season_known = np.array([bool(s) for s in self.season_sets], dtype=bool)
        keys = list(duplicates)
        self.dup_slot = np.array([k[0] for k in keys], dtype=np.int8)
        self.dup_rgb = np.array([_rgb(k[1]) for k in keys], dtype=np.int32).reshape(-1, 3)
        self.dup_pattern = np.array([self.patterns.index[k[2]] for k in keys], dtype=np.int32)
        self.dup_formality = np.array([k[3] for k in keys], dtype=np.int16)
        # Near-duplicates are looked up in a grid of RGB cells as wide as the distance allowed.
        self._cell = max(1, math.ceil(w.duplicate_rgb_distance))
        self._cells = 256 // self._cell + 3
        codes = self._code(
            (self.dup_slot.astype(np.int64) << 16) | self.dup_pattern,
            self.dup_rgb // self._cell + 1,
        )
        self._dup_order = np.argsort(codes, kind="stable")
        self._dup_codes = codes[self._dup_order]
        # formality f (0 = unknown) -> bit mask of the owned formalities close enough to it
        self._near_formality = np.array(
            [
                sum(
                    1 << b
                    for b in range(6)
                    if not a or not b or abs(a - b) <= w.duplicate_formality_gap
                )
                for a in range(6)
            ],
            dtype=np.int64,
        )
        self.tag_matrix = self.tags.matrix([frozenset(t) for t in tagsets])

    def _keys(
        self, g: Garment, hued: dict[str, str]
    ) -> tuple[tuple[object, ...], tuple[object, ...], tuple[str, ...]]:
        """(class key, near-duplicate key, style tags) of a candidate, in sortable form."""
        slot = _CODE.get(g.slot, len(SLOTS))
        rgb = g.colour_rgb.lower() if g.colour_rgb else ""
        if rgb not in hued:
            hued[rgb] = rgb if rgb and not colour_features(rgb, self.weights)[0] else ""
        formality = g.formality or 0
        return (
            (slot, hued[rgb], formality, tuple(sorted(g.seasons)), _bold(g.pattern, self.weights)),
            (slot, rgb, g.pattern or "solid", formality),
            tuple(sorted(g.style_tags)),
        )

    def __len__(self) -> int:
        return len(self.garments)

    @property
    def classes(self) -> int:
        return self.class_slot.size

    def in_season(self, season: str | None) -> np.ndarray:
        """Per class: wearable in ``season`` (unknown seasons count as wearable)."""
        if season is None:
            return np.ones(self.classes, dtype=bool)
        column = self.seasons.index.get(season)
        worn = self.season_matrix[:, column] > 0 if column is not None else False
        return (~self.season_known | worn)[self.class_seasons]

    def rules(self, classes: np.ndarray, owned: _Features) -> tuple[np.ndarray, np.ndarray]:
        """(compatible, harmony - formality penalty) of each class x owned key: the rules run on
        distinct values (colours; slot, formality, seasons and boldness), then are gathered."""
        w = self.weights
        hued = np.flatnonzero(~owned.plain)
        table = np.ones((self.colour_hue.size + 1, hued.size + 1))  # last row/column: neutral
        table[:-1, :-1] = _harmony_table(
            self.colour_hue,
            self.colour_sat,
            np.zeros(self.colour_hue.size, dtype=bool),
            owned.hue[hued],
            owned.sat[hued],
            np.zeros(hued.size, dtype=bool),
            w,
        )
        column = np.full(owned.slot.size, hued.size)
        column[hued] = np.arange(hued.size)
        colour = self.class_colour[classes]  # -1 (neutral) -> the last row
        h = np.take(table[colour], column, axis=1)
        fits = np.take((table >= w.min_harmony)[colour], column, axis=1)
        formal, penalty = _formality_table(self.other_formality, owned.formality, w)
        seasons = self.other_seasons
        other = _SLOT_OK[self.other_slot[:, None], owned.slot[None, :]] & formal
        other &= _season_table(
            self.season_matrix[seasons],
            self.season_known[seasons],
            owned.seasons,
            owned.season_known,
        )
        other &= ~(self.other_bold[:, None] & owned.bold[None, :])
        kind = self.class_other[classes]
        return other[kind] & fits, h - penalty[kind]

    def _code(self, group: np.ndarray, cell: np.ndarray) -> np.ndarray:
        n = self._cells
        return ((group * n + cell[..., 0]) * n + cell[..., 1]) * n + cell[..., 2]

    def duplicates(self, owned: _Features) -> np.ndarray:
        """Per duplicate key (slot, colour, pattern, formality): near-duplicate of an owned item?"""
        w = self.weights
        out = np.zeros(self.dup_slot.size, dtype=bool)
        own = np.flatnonzero(owned.coloured)
        if not own.size or not out.size:
            return out
        # One look-up per distinct (slot, pattern, colour); the owned formalities as a bit mask.
        group = (owned.slot[own].astype(np.int64) << 16) | owned.pattern[own]
        point = np.column_stack([group, owned.rgb[own]])
        first, which = _unique_rows(point.view(np.uint8).reshape(own.size, -1))
        mask = np.zeros(first.size, dtype=np.int64)
        np.bitwise_or.at(mask, which, 1 << owned.formality[own].astype(np.int64))
        group, rgb = group[first], owned.rgb[own][first]
        cells = (rgb // self._cell + 1)[:, None, :] + _NEIGHBOURS[None, :, :]
        codes = self._code(group[:, None], cells.astype(np.int64)).ravel()  # (points x 27)
        lo = np.searchsorted(self._dup_codes, codes, "left")
        found = np.searchsorted(self._dup_codes, codes, "right") - lo
        if not found.sum():
            return out
        query = np.repeat(np.repeat(np.arange(first.size), len(_NEIGHBOURS)), found)
        step = np.arange(found.sum()) - np.repeat(np.cumsum(found) - found, found)
        keys = self._dup_order[np.repeat(lo, found) + step]
        diff = self.dup_rgb[keys] - rgb[query]
        close = (diff * diff).sum(1) <= w.duplicate_rgb_distance**2
        close &= (mask[query] & self._near_formality[self.dup_formality[keys]]) != 0
        out[keys[close]] = True
        return out


_NEIGHBOURS = np.array([(x, y, z) for x in (-1, 0, 1) for y in (-1, 0, 1) for z in (-1, 0, 1)])


@dataclass(frozen=True)
class Evaluation:
    """Per candidate (in ``ids`` order): the figures ranking is made of."""

    ids: np.ndarray
    considered: np.ndarray  # in an outfit slot, in season, allowed
    duplicate: np.ndarray  # a near-duplicate of an owned item
    unlocked: np.ndarray
    wakes: np.ndarray
    compatibility: np.ndarray
    score: np.ndarray
    sleeping: tuple[int, ...]  # owned ids in no complete outfit of owned items
    slot: np.ndarray  # slot code (index into SLOTS; unknown slots get len(SLOTS))
    _state: dict[str, object] = field(repr=False, compare=False, default_factory=dict)


def _numbered(keys: Iterable[object]) -> dict[object, int]:
    """Distinct keys -> their rank in sorted order."""
    return {key: k for k, key in enumerate(sorted(set(keys)))}  # type: ignore[type-var]


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first occurrence of each distinct row, row -> distinct index) of a 2-D uint8 array."""
    rows = np.ascontiguousarray(rows)
    if rows.shape[1] == 0:
        return np.zeros(min(1, rows.shape[0]), dtype=np.int64), np.zeros(
            rows.shape[0], dtype=np.int64
        )
    as_bytes = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _index(candidates: Sequence[Garment] | CatalogIndex, weights: Weights) -> CatalogIndex:
    if isinstance(candidates, CatalogIndex):
        if weights is not DEFAULT_WEIGHTS and candidates.weights != weights:
            raise ValueError("the catalog index was built with other weights")
        return candidates
    return CatalogIndex(candidates, weights)


def evaluate(
    owned: Sequence[Garment],
    candidates: Sequence[Garment] | CatalogIndex,
    *,
    season: str | None = None,
    allowed_ids: Collection[int] | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Evaluation:
    """Outfits unlocked, items woken up, compatibility and score for every candidate.

    Owned items out of ``season`` (when given) sit this one out: they make no outfits."""
    index = _index(candidates, weights)
    owned = sorted(owned, key=lambda g: g.id)
    if len({g.id for g in owned}) != len(owned):
        raise ValueError("owned ids must be unique")
    season = None if season is None else _norm(season)
    vocab = (index.seasons.copy(), index.patterns.copy(), index.tags.copy())
    everything = _Features.of(owned, index.weights, *vocab)
    wearable = np.array(
        [k for k, g in enumerate(owned) if g.slot in OUTFIT_SLOTS and _wearable(g, season)],
        dtype=np.int64,
    )
    closet = _Closet([owned[k] for k in wearable], everything.take(wearable), index.weights)
    act, allowed = _in_play(index, season, allowed_ids)
    ok, base = index.rules(act, closet.keys)  # (classes in play, owned keys)
    counter, type_of = _types(closet, ok)
    unlocked, wakes, rows_of, row = _count(index, act, ok, counter)
    at = np.full(index.classes, -1, dtype=np.int64)  # class -> its row of ``ok`` (-1: not in play)
    at[act] = np.arange(act.size)
    sleeping = tuple(int(i) for i in closet.ids[~counter.awake[type_of]])
    state = {"index": index, "closet": closet, "counter": counter, "type_of": type_of}
    state |= {"rows": rows_of, "row": row, "at": at, "vocab": vocab}
    figures = _figures(index, closet, at, allowed, ok, base, unlocked, wakes, everything)
    return Evaluation(**figures, sleeping=sleeping, _state=state)


def _wearable(g: Garment, season: str | None) -> bool:
    return season is None or not g.seasons or season in g.seasons


def _in_play(
    index: CatalogIndex, season: str | None, allowed_ids: Collection[int] | None
) -> tuple[np.ndarray, np.ndarray]:
    """(classes in play: outfit slot, in season, with an allowed candidate; allowed candidates)"""
    active = index.in_season(season) & np.isin(index.class_slot, [_CODE[s] for s in OUTFIT_SLOTS])
    allowed = np.ones(len(index), dtype=bool)
    if allowed_ids is not None:
        wanted = allowed_ids if isinstance(allowed_ids, np.ndarray) else list(allowed_ids)
        allowed = np.isin(index.ids, np.asarray(wanted, dtype=np.int64))
        active &= np.bincount(index.klass, weights=allowed, minlength=index.classes) > 0
    return np.flatnonzero(active), allowed


def _types(closet: _Closet, ok: np.ndarray) -> tuple[_Counter, np.ndarray]:
    """Owned types (same slot, same compatibility with every owned key and every class in play)
    and the item -> type map."""
    columns = np.concatenate([closet.key_ok, ok.T], axis=1)
    key = np.concatenate(
        [closet.keys.slot.astype(np.uint8)[:, None], np.packbits(columns, axis=1)], axis=1
    )
    reps, type_of_key = _unique_rows(key)
    counter = _Counter(
        reps,
        closet.keys.slot[reps],
        closet.key_ok[np.ix_(reps, reps)],
        np.bincount(type_of_key, weights=closet.multiplicity, minlength=reps.size),
    )
    return counter, type_of_key[closet.key_of]


def _count(
    index: CatalogIndex, act: np.ndarray, ok: np.ndarray, counter: _Counter
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Outfits unlocked and items woken per class in play, counted once per distinct row."""
    sleeping = ~counter.awake
    unlocked, wakes = np.zeros(act.size), np.zeros(act.size)
    row = np.full(act.size, -1, dtype=np.int64)  # class in play -> its row in rows_of[slot]
    rows_of: dict[str, np.ndarray] = {}
    mode = "wake" if sleeping.any() else "count"
    for slot in OUTFIT_SLOTS:
        local = np.flatnonzero(index.class_slot[act] == _CODE[slot])
        if not local.size or not counter.slots.size:
            continue
        block = ok[np.ix_(local, counter.reps)] & counter.partners(slot)
        first, inverse = _unique_rows(np.packbits(block, axis=1))
        rows = block[first] * counter.multiplicity
        count, part = counter.unlocked(rows, slot, mode)
        unlocked[local] = count[inverse]
        if part is not None:
            wakes[local] = (((part > 0) & sleeping) @ counter.multiplicity)[inverse]
        rows_of[slot] = rows
        row[local] = inverse
    return unlocked, wakes, rows_of, row


def _figures(
    index: CatalogIndex,
    closet: _Closet,
    at: np.ndarray,
    allowed: np.ndarray,
    ok: np.ndarray,
    base: np.ndarray,
    unlocked_a: np.ndarray,
    wakes_a: np.ndarray,
    everything: _Features,
) -> dict[str, np.ndarray]:
    """Per (class, style tags) pair: compatibility and score; then gathered per candidate."""
    w = index.weights
    weighted = ok * closet.multiplicity  # each owned key counts once per item
    n_ok = weighted.sum(1)
    base_sum = np.einsum("ij,ij->i", weighted, base)
    tags = _jaccard(index.tag_matrix, closet.features.tags) @ closet.members  # (tag sets, keys)
    tag_sum = ok.astype(np.float64) @ tags.T
    a = at[index.pair_class]  # pair -> row of ``ok`` (-1: not in play)
    live = a >= 0
    a = np.where(live, a, 0)
    if not ok.shape[0]:  # nothing in play: keep the gathers below well-defined
        unlocked_a, wakes_a, n_ok, base_sum = (np.zeros(1) for _ in range(4))
        tag_sum = np.zeros((1, max(1, len(index.tag_matrix))))
    pair_unlocked = np.where(live, unlocked_a[a], 0.0)
    pair_wakes = np.where(live, wakes_a[a], 0.0)
    total = base_sum[a] + w.style_bonus * tag_sum[a, index.pair_tagset]
    fit = np.divide(total, n_ok[a], out=np.zeros(a.size), where=live & (n_ok[a] > 0))
    rank = (
        w.rank_unlocked * np.log1p(pair_unlocked)
        + w.rank_wakes * np.log1p(pair_wakes)
        + w.rank_compatibility * fit
    )
    considered = live[index.pair] & allowed
    duplicate = np.zeros(len(index), dtype=bool)
    if everything.slot.size:
        has_key = index.duplicate_key >= 0
        duplicate[has_key] = index.duplicates(everything)[index.duplicate_key[has_key]]

    def per_candidate(values: np.ndarray) -> np.ndarray:
        return np.where(considered, values[index.pair], 0)

    return {
        "ids": index.ids,
        "considered": considered,
        "duplicate": duplicate & considered,
        "unlocked": per_candidate(pair_unlocked).astype(np.int64),
        "wakes": per_candidate(pair_wakes).astype(np.int64),
        "compatibility": per_candidate(fit).astype(np.float64),
        "score": per_candidate(rank).astype(np.float64),
        "slot": index.class_slot[index.klass],
    }


def top(
    evaluation: Evaluation,
    limit: int,
    min_unlocked: int = 1,
    max_per_slot: int | None = None,
    min_slots: int | None = None,
) -> np.ndarray:
    """Positions of the best ``limit`` eligible candidates: highest score (true counts), then
    lowest id; at most ``max_per_slot`` from one slot (default: ``Weights.max_share_per_slot`` of
    ``limit``), and at least ``min_slots`` slots (default ``Weights.min_slots``) when candidates
    of that many slots are eligible."""
    if limit <= 0:
        return np.zeros(0, dtype=np.int64)
    weights: Weights = evaluation._state["index"].weights  # type: ignore[attr-defined]
    if max_per_slot is None:
        max_per_slot = max(1, math.ceil(limit * weights.max_share_per_slot))
    eligible = evaluation.considered & ~evaluation.duplicate & (evaluation.unlocked >= min_unlocked)
    chosen = [
        _best_of(evaluation, np.flatnonzero(eligible & (evaluation.slot == code)), max_per_slot)
        for code in np.unique(evaluation.slot[eligible])
    ]
    picked = _best_of(evaluation, np.concatenate([np.zeros(0, dtype=np.int64), *chosen]), limit)
    wanted = min(weights.min_slots if min_slots is None else min_slots, len(chosen), limit)
    return _spread(evaluation, picked, chosen, wanted)


def _spread(
    evaluation: Evaluation, picked: np.ndarray, per_slot: list[np.ndarray], wanted: int
) -> np.ndarray:
    """``picked`` made to span ``wanted`` slots: each missing slot's best candidate (the best
    slots first) takes the place of the lowest-ranked pick from a slot holding more than one.

    The order stays by score: a pick brought in for variety ranks where its own score puts it."""
    result = [int(p) for p in picked]
    present = {int(evaluation.slot[p]) for p in result}
    missing = sorted(
        (g for g in per_slot if g.size and int(evaluation.slot[g[0]]) not in present),
        key=lambda g: (-evaluation.score[g[0]], evaluation.ids[g[0]]),
    )
    for group in missing[: max(0, wanted - len(present))]:
        counts: dict[int, int] = {}
        for p in result:
            counts[int(evaluation.slot[p])] = counts.get(int(evaluation.slot[p]), 0) + 1
        crowded = [k for k, p in enumerate(result) if counts[int(evaluation.slot[p])] > 1]
        if not crowded:
            break
        result.pop(crowded[-1])
        result.append(int(group[0]))
    out = np.array(result, dtype=np.int64)
    return out[np.lexsort((evaluation.ids[out], -evaluation.score[out]))]


def _best_of(evaluation: Evaluation, pool: np.ndarray, limit: int) -> np.ndarray:
    score = evaluation.score[pool]
    if pool.size > limit:
        cut = -np.partition(-score, limit - 1)[limit - 1]
        keep = score >= cut
        pool, score = pool[keep], score[keep]
    return pool[np.lexsort((evaluation.ids[pool], -score))][:limit]


def recommend(
    owned: Sequence[Garment],
    candidates: Sequence[Garment] | CatalogIndex,
    *,
    limit: int = 20,
    season: str | None = None,
    allowed_ids: Collection[int] | None = None,
    min_unlocked: int = 1,
    max_per_slot: int | None = None,
    min_slots: int | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Recommendation]:
    """The ``limit`` candidates that unlock the most new outfits with ``owned``, explained.

    Near-duplicates of owned items, accessories, candidates out of ``season`` and candidates that
    unlock fewer than ``min_unlocked`` outfits are left out; no slot fills more than
    ``max_per_slot`` places (default: ``Weights.max_share_per_slot`` of ``limit``).
    ``allowed_ids`` (sizes in stock, price range ...) narrows an indexed catalog per request.
    Pass a :class:`CatalogIndex` built once per catalog instead of a list to skip the indexing."""
    evaluation = evaluate(
        owned, candidates, season=season, allowed_ids=allowed_ids, weights=weights
    )
    return explain(evaluation, top(evaluation, limit, min_unlocked, max_per_slot, min_slots))


# ---- explanations for the chosen few


def explain(evaluation: Evaluation, positions: Iterable[int]) -> list[Recommendation]:
    """Recommendations for the candidates at ``positions``: who they pair with, example outfits."""
    state = evaluation._state
    index: CatalogIndex = state["index"]  # type: ignore[assignment]
    closet: _Closet = state["closet"]  # type: ignore[assignment]
    counter: _Counter = state["counter"]  # type: ignore[assignment]
    type_of: np.ndarray = state["type_of"]  # type: ignore[assignment]
    rows_of: dict[str, np.ndarray] = state["rows"]  # type: ignore[assignment]
    row_a: np.ndarray = state["row"]  # type: ignore[assignment]
    at: np.ndarray = state["at"]  # type: ignore[assignment]
    positions = [int(p) for p in positions]
    if not positions:
        return []
    w = index.weights
    chosen = [index.garments[p] for p in positions]
    row = [int(row_a[at[index.klass[p]]]) if at[index.klass[p]] >= 0 else -1 for p in positions]
    ok, scores = _full_scores(_Features.of(chosen, w, *state["vocab"]), closet.features, w)  # type: ignore[misc]
    parts: dict[tuple[str, int], np.ndarray] = {}
    for slot, rows in rows_of.items():
        wanted = sorted({r for g, r in zip(chosen, row, strict=True) if g.slot == slot and r >= 0})
        if wanted:
            _, part = counter.unlocked(rows[wanted], slot, "all")
            parts.update({(slot, r): part[k][type_of] for k, r in enumerate(wanted)})  # type: ignore[index]
    sleeping = ~counter.awake[type_of]
    out = []
    for k, (p, g) in enumerate(zip(positions, chosen, strict=True)):
        part = parts.get((g.slot, row[k]), np.zeros(len(closet.items)))
        members = np.flatnonzero(part > 0)
        members = members[np.lexsort((closet.ids[members], -part[members]))]
        neighbours = ok[k] & closet.partners(g.slot)
        out.append(
            Recommendation(
                candidate_id=g.id,
                outfits_unlocked=int(evaluation.unlocked[p]),
                wakes_up=tuple(int(i) for i in np.sort(closet.ids[(part > 0) & sleeping])),
                pairs_with=tuple(int(i) for i in closet.ids[members]),
                examples=_examples(closet, g, neighbours, scores[k]) if members.size else (),
                compatibility=float(evaluation.compatibility[p]),
                score=float(evaluation.score[p]),
                pair_counts=tuple(np.rint(part[members]).astype(np.int64).tolist()),
                pair_scores=tuple(np.round(scores[k][members], 4).tolist()),
            )
        )
    return out


def _best(score: np.ndarray, ids: np.ndarray, keep: int) -> np.ndarray:
    """Row positions of the ``keep`` highest scores, ties by the id tuples (always the same)."""
    if score.size > keep:
        cut = -np.partition(-score, keep - 1)[keep - 1]
        pool = np.flatnonzero(score >= cut)
    else:
        pool = np.arange(score.size)
    order = np.lexsort((*ids[pool].T[::-1], -score[pool]))
    return pool[order][:keep]


def _examples(
    closet: _Closet, candidate: Garment, neighbours: np.ndarray, scores: np.ndarray, wanted: int = 3
) -> tuple[tuple[int, ...], ...]:
    """Up to ``wanted`` complete outfits with the candidate: the best-scoring first, then the best
    ones that repeat the fewest owned pieces already shown (ties by ids, so always the same).

    Smallest outfits (no optional piece) first; when there are fewer of them than ``wanted``, the
    best are offered with one optional piece added, so n unlocked outfits show min(n, wanted)."""
    slot = candidate.slot
    options: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []  # (-score, ids, positions)

    def add(picked: np.ndarray, keep: int) -> None:
        mean = _outfit_scores(closet, scores, picked)
        ids = closet.ids[picked]
        for r in _best(mean, ids, keep):
            options.append(
                (-float(mean[r]), tuple(int(i) for i in ids[r]), tuple(int(i) for i in picked[r]))
            )

    for core in TEMPLATES:
        full = core if slot in core else ((*core, slot) if slot in OPTIONAL else None)
        if full is None:
            continue
        everyone = [closet.groups[s][neighbours[closet.groups[s]]] for s in full if s != slot]
        if any(m.size == 0 for m in everyone):
            continue
        # The 8 best partners per slot nearly always hold good outfits; if not, look at everyone.
        shortlist = [m[np.lexsort((closet.ids[m], -scores[m]))[:8]] for m in everyone]
        picked = _enumerate(closet, scores, shortlist, 2 * wanted)
        if len(picked) < wanted:
            picked = _enumerate(closet, scores, everyone, 2 * wanted)
        add(picked, 2 * wanted)
    if len(options) < wanted:
        for _, _, base in sorted(options):
            taken = {closet.items[m].slot for m in base} | {slot}
            for extra in OPTIONAL:
                group = closet.groups[extra]
                if extra in taken or not group.size:
                    continue
                fits = neighbours[group] & closet.ok[np.ix_(group, list(base))].all(axis=1)
                add(
                    np.array([[*base, g] for g in group[fits]], dtype=np.int64).reshape(
                        -1, len(base) + 1
                    ),
                    wanted,
                )
    shown: list[tuple[int, ...]] = []
    used: set[int] = set()
    while options and len(shown) < wanted:
        best = min(options, key=lambda o: (len(used.intersection(o[2])), o[0], len(o[1]), o[1]))
        options.remove(best)
        used.update(best[2])
        ids = {closet.items[m].slot: int(closet.ids[m]) for m in best[2]} | {slot: candidate.id}
        shown.append(tuple(ids[s] for s in SLOTS if s in ids))
    return tuple(shown)


def _enumerate(
    closet: _Closet, scores: np.ndarray, members: list[np.ndarray], keep: int
) -> np.ndarray:
    """The ``keep`` best complete combinations of one item from each of ``members`` (ties at the
    cut included), as rows of owned positions."""
    grids = np.meshgrid(*members, indexing="ij", sparse=True)
    fits = np.ones([m.size for m in members], dtype=bool)
    total = np.zeros(fits.shape)
    for i, j in combinations(range(len(grids)), 2):
        fits = fits & closet.ok[grids[i], grids[j]]
        total = total + closet.score[grids[i], grids[j]]
    for grid in grids:
        total = total + scores[grid]
    flat = np.where(fits, total, -np.inf).ravel()
    keep = min(keep, int(fits.sum()))
    if not keep:
        return np.zeros((0, len(members)), dtype=np.int64)
    cut = -np.partition(-flat, keep - 1)[keep - 1]
    found = np.unravel_index(np.flatnonzero(flat >= cut), fits.shape)
    return np.stack([m[f] for m, f in zip(members, found, strict=True)], axis=1)


def _outfit_scores(closet: _Closet, scores: np.ndarray, picked: np.ndarray) -> np.ndarray:
    """Mean pair score of outfits made of the candidate and the owned positions in each row."""
    total = scores[picked].sum(1)
    for i, j in combinations(range(picked.shape[1]), 2):
        total = total + closet.score[picked[:, i], picked[:, j]]
    return total / math.comb(picked.shape[1] + 1, 2)
