"""The pure recommender: rule tables, outfits, filters, ranking, explanations, and the vectorised
counts against a brute-force enumeration of every outfit on random wardrobes (Hypothesis)."""

from __future__ import annotations

import math
import random
from itertools import combinations, product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.wardrobe.recommender import (
    DEFAULT_WEIGHTS,
    OPTIONAL,
    OUTFIT_SLOTS,
    SLOTS,
    TEMPLATES,
    CatalogIndex,
    Garment,
    Weights,
    compatible,
    evaluate,
    harmony,
    is_complete_outfit,
    is_neutral,
    near_duplicate,
    pair_score,
    recommend,
)

BLACK, WHITE, GREY, NAVY, BEIGE, DENIM = (
    "#000000",
    "#ffffff",
    "#808080",
    "#1f2a44",
    "#d8c3a5",
    "#3b5b8a",
)
RED, MUSTARD, GREEN, BLUE, ORANGE = "#b3282d", "#d1a23b", "#3f7d4e", "#2f5da8", "#e07020"
PINK, SKY, TERRACOTTA, VIOLET = "#e7a3b1", "#9cc3e4", "#c0643f", "#6a2fd0"


def g(gid: int = 1, slot: str = "top", **attributes: object) -> Garment:
    return Garment(id=gid, slot=slot, **attributes)  # type: ignore[arg-type]


# ---- brute force: every outfit of owned items (and one candidate), checked pair by pair


def outfits(items: list[Garment], weights: Weights = DEFAULT_WEIGHTS) -> list[list[Garment]]:
    by_slot = {s: [i for i in items if i.slot == s] for s in OUTFIT_SLOTS}
    found = []
    for core in TEMPLATES:
        choices = [by_slot[s] for s in core] + [[None, *by_slot[s]] for s in OPTIONAL]
        for combo in product(*choices):
            outfit = [i for i in combo if i is not None]
            if all(compatible(a, b, weights) for a, b in combinations(outfit, 2)):
                found.append(outfit)
    return found


def in_season(item: Garment, season: str | None) -> bool:
    return season is None or not item.seasons or season in item.seasons


def brute(owned: list[Garment], candidate: Garment, season: str | None = None) -> dict[str, object]:
    """What the recommender must say about ``candidate``, by enumerating every outfit."""
    wearable = [o for o in owned if o.slot in OUTFIT_SLOTS and in_season(o, season)]
    awake = {i.id for outfit in outfits(wearable) for i in outfit}
    unlocked = [o for o in outfits([*wearable, candidate]) if any(i is candidate for i in o)]
    per_item: dict[int, int] = {}
    for outfit in unlocked:
        for item in outfit:
            if item is not candidate:
                per_item[item.id] = per_item.get(item.id, 0) + 1
    partners = [o for o in wearable if compatible(candidate, o)]
    return {
        "unlocked": len(unlocked),
        "wakes_up": tuple(sorted(i for i in per_item if i not in awake)),
        "pairs_with": tuple(sorted(per_item, key=lambda i: (-per_item[i], i))),
        "compatibility": (
            sum(pair_score(candidate, o) for o in partners) / len(partners) if partners else 0.0
        ),
    }


# ---- rule tables


SLOT_TABLE = [
    ("top", "bottom", True),
    ("top", "shoes", True),
    ("bottom", "shoes", True),
    ("one_piece", "shoes", True),
    ("outerwear", "top", True),
    ("outerwear", "bottom", True),
    ("outerwear", "one_piece", True),
    ("outerwear", "shoes", True),
    ("bag", "top", True),
    ("bag", "bottom", True),
    ("bag", "one_piece", True),
    ("bag", "outerwear", True),
    ("bag", "shoes", True),
    ("top", "top", False),
    ("shoes", "shoes", False),
    ("bag", "bag", False),
    ("one_piece", "top", False),
    ("one_piece", "bottom", False),
    ("accessory", "top", False),
    ("accessory", "bag", False),
    ("accessory", "accessory", False),
]


@pytest.mark.parametrize(("a", "b", "expected"), SLOT_TABLE)
def test_slot_rules(a: str, b: str, expected: bool) -> None:
    assert compatible(g(1, a), g(2, b)) is expected
    assert compatible(g(2, b), g(1, a)) is expected


@pytest.mark.parametrize(
    ("fa", "fb", "expected"),
    [
        (2, 4, True),
        (1, 3, True),
        (3, 3, True),
        (1, 4, False),
        (5, 2, False),
        (None, 5, True),
        (1, None, True),
    ],
)
def test_formality_distance(fa: int | None, fb: int | None, expected: bool) -> None:
    assert compatible(g(1, "top", formality=fa), g(2, "bottom", formality=fb)) is expected


@pytest.mark.parametrize(
    ("sa", "sb", "expected"),
    [
        ({"summer"}, {"summer", "spring"}, True),
        ({"summer"}, {"winter"}, False),
        ({"autumn", "winter"}, {"spring", "summer"}, False),
        (set(), {"winter"}, True),
        ({"summer"}, set(), True),
        (set(), set(), True),
    ],
)
def test_season_overlap(sa: set[str], sb: set[str], expected: bool) -> None:
    a, b = g(1, "top", seasons=frozenset(sa)), g(2, "shoes", seasons=frozenset(sb))
    assert compatible(a, b) is expected


@pytest.mark.parametrize(
    ("rgb", "expected"),
    [
        (BLACK, True),
        (WHITE, True),
        (GREY, True),
        ("#3b3f45", True),  # charcoal
        (NAVY, True),
        (BEIGE, True),
        ("#f0ead6", True),  # ecru
        ("#b5835a", True),  # camel
        (DENIM, True),
        (RED, False),
        (MUSTARD, False),
        (GREEN, False),
        (BLUE, False),
        (SKY, False),  # light blue is a colour, not denim
        (PINK, False),
    ],
)
def test_neutrals_by_rgb(rgb: str, expected: bool) -> None:
    assert is_neutral(rgb) is expected


@pytest.mark.parametrize("neutral", [BLACK, WHITE, GREY, NAVY, BEIGE, DENIM])
@pytest.mark.parametrize("colour", [RED, MUSTARD, GREEN, BLUE, ORANGE, VIOLET, PINK])
def test_neutrals_go_with_every_colour(neutral: str, colour: str) -> None:
    assert harmony(neutral, colour) == 1.0
    assert compatible(g(1, "top", colour_rgb=colour), g(2, "bottom", colour_rgb=neutral))


@pytest.mark.parametrize(
    ("a", "b", "relation", "ok"),
    [
        (RED, TERRACOTTA, "analogous bonus", True),
        (BLUE, ORANGE, "complementary bonus", True),
        (GREEN, VIOLET, "triadic bonus", True),
        (PINK, SKY, "muted clash: penalty only", True),
        (RED, GREEN, "half-muted clash: penalty only", True),
        (RED, MUSTARD, "saturated clash", False),
        (RED, VIOLET, "saturated clash", False),
        (RED, None, "unknown colour", True),
    ],
)
def test_hue_harmony(a: str, b: str | None, relation: str, ok: bool) -> None:
    h = harmony(a, b)
    if "bonus" in relation:
        assert h > 1.0
    elif "clash" in relation:
        assert h < 1.0
    else:
        assert h == 1.0
    assert compatible(g(1, "top", colour_rgb=a), g(2, "bottom", colour_rgb=b)) is ok


def test_the_harmony_threshold_is_configurable() -> None:
    a, b = g(1, "top", colour_rgb=RED), g(2, "bottom", colour_rgb=MUSTARD)
    assert not compatible(a, b)
    assert compatible(a, b, Weights(min_harmony=0.3))
    assert compatible(a, b, Weights(clash_penalty=0.5))
    # and a stricter threshold turns a soft penalty into a rule
    pink, sky = g(1, "top", colour_rgb=PINK), g(2, "bottom", colour_rgb=SKY)
    assert compatible(pink, sky) and not compatible(pink, sky, Weights(min_harmony=0.9))


@pytest.mark.parametrize(
    ("pa", "pb", "expected"),
    [
        ("solid", "solid", True),
        ("stripe", "solid", True),
        ("floral", None, True),  # unknown counts as solid
        ("stripe", "floral", False),
        ("check", "check", False),
        ("dot", "print", False),
    ],
)
def test_at_most_one_bold_pattern(pa: str, pb: str | None, expected: bool) -> None:
    assert compatible(g(1, "top", pattern=pa), g(2, "bottom", pattern=pb)) is expected


def test_bold_patterns_are_configurable() -> None:
    quiet = Weights(quiet_patterns=frozenset({"solid", "stripe"}))
    assert compatible(g(1, "top", pattern="stripe"), g(2, "bottom", pattern="floral"), quiet)


def test_style_tags_are_a_bonus_not_a_rule() -> None:
    top = g(1, "top", style_tags=frozenset({"office", "classic"}))
    same = g(2, "bottom", style_tags=frozenset({"office", "classic"}))
    other = g(3, "bottom", style_tags=frozenset({"sporty"}))
    assert compatible(top, other)
    assert pair_score(top, same) == pytest.approx(
        pair_score(top, other) + DEFAULT_WEIGHTS.style_bonus
    )


def test_incompatible_pairs_score_zero_and_formality_gaps_cost() -> None:
    assert pair_score(g(1, "top"), g(2, "top")) == 0.0
    near = pair_score(g(1, "top", formality=3), g(2, "bottom", formality=3))
    far = pair_score(g(1, "top", formality=3), g(2, "bottom", formality=5))
    assert near == 1.0 and far == pytest.approx(1.0 - 2 * DEFAULT_WEIGHTS.formality_step_penalty)


def test_bad_attributes_are_refused() -> None:
    with pytest.raises(ValueError, match="#rrggbb"):
        g(1, "top", colour_rgb="navy")
    with pytest.raises(ValueError, match="formality"):
        g(1, "top", formality=6)


# ---- outfits


TOP, BOTTOM, SHOES = g(1, "top"), g(2, "bottom"), g(3, "shoes")
DRESS, COAT, BAG, SCARF = g(4, "one_piece"), g(5, "outerwear"), g(6, "bag"), g(7, "accessory")


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([TOP, BOTTOM, SHOES], True),
        ([DRESS, SHOES], True),
        ([TOP, BOTTOM, SHOES, COAT, BAG], True),
        ([DRESS, SHOES, BAG], True),
        ([TOP, BOTTOM], False),
        ([TOP, SHOES], False),
        ([DRESS], False),
        ([DRESS, TOP, SHOES], False),
        ([COAT, BAG, SHOES], False),
        ([TOP, BOTTOM, SHOES, g(8, "outerwear"), COAT], False),  # two coats
        ([TOP, BOTTOM, SHOES, SCARF], False),  # accessories are not part of counted outfits
        ([TOP, g(9, "bottom", pattern="check"), g(10, "shoes", pattern="dot")], False),
        (
            [
                TOP,
                BOTTOM,
                g(11, "shoes", seasons=frozenset({"summer"})),
                g(12, "outerwear", seasons=frozenset({"winter"})),
            ],
            False,
        ),
    ],
)
def test_outfit_completeness(items: list[Garment], expected: bool) -> None:
    assert is_complete_outfit(items) is expected


def test_counts_on_a_small_wardrobe() -> None:
    owned = [g(1, "bottom"), g(2, "bottom", colour_rgb=MUSTARD), g(3, "shoes"), g(4, "outerwear")]
    owned.append(g(5, "bag"))
    red_top = g(100, "top", colour_rgb=RED)  # clashes with the mustard bottom
    [rec] = recommend(owned, [red_top])
    # bottom 1 + shoes 3, each with or without the coat and with or without the bag
    assert rec.outfits_unlocked == 4
    assert rec.pairs_with == (1, 3, 4, 5)  # in all 4 / all 4 / 2 / 2 outfits, then by id
    assert rec.wakes_up == (1, 3, 4, 5)  # the wardrobe had no top: nothing was wearable before


def test_pairs_with_orders_owned_items_by_outfits() -> None:
    year = ("spring", "summer", "autumn", "winter")
    coats = [g(3 + k, "outerwear", seasons=frozenset({season})) for k, season in enumerate(year)]
    # bag 7 goes with every coat; bags 8, 9, 10 miss winter, autumn, summer (and that coat)
    bags = [g(7, "bag", seasons=frozenset(year))]
    bags += [
        g(8 + k, "bag", seasons=frozenset(year) - {season}) for k, season in enumerate(year[:0:-1])
    ]
    [rec] = recommend([g(1, "bottom"), g(2, "shoes"), *coats, *bags], [g(100, "top")])
    assert rec.outfits_unlocked == 1 + 4 + 4 + (16 - 3)  # no optional piece, a coat, a bag, both
    # 22 outfits with the bottom and the shoes each; 5 with the spring coat and the all-year bag;
    # 4 with each other coat and bag
    assert rec.pairs_with == (1, 2, 3, 7, 4, 5, 6, 8, 9, 10)


# ---- near-duplicates, filters, ranking


@pytest.mark.parametrize(
    ("candidate", "owned", "expected"),
    [
        (
            g(1, "top", colour_rgb=NAVY, formality=3),
            g(2, "top", colour_rgb=NAVY, formality=3),
            True,
        ),
        (
            g(1, "top", colour_rgb="#223048", formality=3),
            g(2, "top", colour_rgb=NAVY, formality=4),
            True,
        ),
        (
            g(1, "top", colour_rgb=NAVY),
            g(2, "top", colour_rgb=NAVY, formality=2),
            True,
        ),  # unknown formality
        (g(1, "top", colour_rgb=NAVY, pattern="stripe"), g(2, "top", colour_rgb=NAVY), False),
        (
            g(1, "top", colour_rgb=NAVY, formality=2),
            g(2, "top", colour_rgb=NAVY, formality=4),
            False,
        ),
        (g(1, "top", colour_rgb=NAVY), g(2, "top", colour_rgb=BLUE), False),
        (g(1, "top", colour_rgb=NAVY), g(2, "bottom", colour_rgb=NAVY), False),
        (g(1, "top", colour_rgb=NAVY), g(2, "top"), False),  # no colour on record: can't tell
    ],
)
def test_near_duplicates(candidate: Garment, owned: Garment, expected: bool) -> None:
    assert near_duplicate(candidate, owned) is expected


def test_near_duplicates_are_not_recommended() -> None:
    owned = [g(1, "top", colour_rgb=NAVY, formality=3), g(2, "bottom"), g(3, "shoes")]
    twin = g(100, "top", colour_rgb="#202b46", formality=3)
    white = g(101, "top", colour_rgb=WHITE, formality=3)
    ids = [r.candidate_id for r in recommend(owned, [twin, white])]
    assert ids == [101]
    assert evaluate(owned, [twin, white]).duplicate.tolist() == [True, False]


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        ("#272727", "#292929", True),  # close, on either side of a lookup cell's edge
        ("#000000", "#280000", True),  # exactly the allowed distance (40)
        ("#000000", "#290000", False),  # just past it
        ("#000000", "#282800", False),  # 40 apart on two channels is 56.6 apart
        ("#fafafa", "#ffffff", True),
    ],
)
def test_near_duplicate_lookup_in_a_large_catalog(mine: str, theirs: str, expected: bool) -> None:
    owned = [g(1, "top", colour_rgb=mine), g(2, "bottom"), g(3, "shoes")]
    filler = [g(200 + k, "top", colour_rgb=f"#{k:02x}{255 - k:02x}80") for k in range(200)]
    candidate = g(100, "top", colour_rgb=theirs)
    assert near_duplicate(candidate, owned[0]) is expected
    assert evaluate(owned, [candidate, *filler]).duplicate[0] == expected


@pytest.mark.parametrize("close_colour", ["#202b45", "#1e2943"])
def test_one_matching_owned_item_is_enough_to_be_a_duplicate(close_colour: str) -> None:
    matching = g(1, "top", colour_rgb=NAVY, formality=1)
    too_formal = g(2, "top", colour_rgb=close_colour, formality=5)  # close, but 4 steps apart
    candidate = g(100, "top", colour_rgb=NAVY, formality=1)
    for owned in ([matching, too_formal], [too_formal, matching]):
        assert evaluate(owned, [candidate]).duplicate.tolist() == [True]
    assert evaluate([too_formal], [candidate]).duplicate.tolist() == [False]


def test_season_filter_applies_to_candidates_and_owned_items() -> None:
    owned = [
        g(1, "bottom", seasons=frozenset({"summer"})),
        g(2, "bottom", seasons=frozenset({"winter"})),
        g(3, "shoes"),
    ]
    summer = g(100, "top", seasons=frozenset({"summer", "spring"}))
    winter = g(101, "top", seasons=frozenset({"winter"}))
    anytime = g(102, "top")
    recs = {r.candidate_id: r for r in recommend(owned, [summer, winter, anytime], season="summer")}
    assert set(recs) == {100, 102}
    assert recs[102].outfits_unlocked == 1 and recs[102].pairs_with == (
        1,
        3,
    )  # the winter bottom sits out
    all_year = {
        r.candidate_id: r.outfits_unlocked for r in recommend(owned, [summer, winter, anytime])
    }
    assert all_year == {100: 1, 101: 1, 102: 2}


def test_allowed_ids_narrow_an_indexed_catalog() -> None:
    owned = [g(1, "bottom"), g(2, "shoes")]
    index = CatalogIndex([g(100 + k, "top") for k in range(5)])
    assert [r.candidate_id for r in recommend(owned, index, allowed_ids={103, 101})] == [101, 103]
    assert recommend(owned, index, allowed_ids=set()) == []


def test_ranking_is_deterministic_and_ties_go_to_the_lower_id() -> None:
    rng = random.Random(5)
    owned = [
        g(k, rng.choice(OUTFIT_SLOTS), colour_rgb=rng.choice([NAVY, WHITE, RED]))
        for k in range(1, 30)
    ]
    candidates = [
        g(100 + k, rng.choice(OUTFIT_SLOTS), colour_rgb=rng.choice([BLACK, GREEN]))
        for k in range(40)
    ]
    first = recommend(owned, candidates, limit=10)
    for _ in range(3):
        rng.shuffle(owned)
        rng.shuffle(candidates)
        assert recommend(owned, candidates, limit=10) == first
    keys = [(-r.score, r.candidate_id) for r in first]
    assert keys == sorted(keys)
    twins = [g(7, "top"), g(3, "top")]
    assert [r.candidate_id for r in recommend([g(1, "bottom"), g(2, "shoes")], twins)] == [3, 7]


def test_ranking_prefers_more_outfits_then_waking_items_up() -> None:
    owned = [
        g(1, "bottom"),
        g(2, "bottom"),
        g(3, "shoes"),
        g(4, "top", colour_rgb=RED, pattern="stripe"),
    ]
    owned.append(g(5, "bottom", colour_rgb=MUSTARD))  # clashes with the only top: asleep
    goes_with_two = g(100, "top", colour_rgb=RED)
    goes_with_all = g(101, "top", colour_rgb=WHITE)
    recs = recommend(owned, [goes_with_two, goes_with_all])
    assert [r.candidate_id for r in recs] == [101, 100]
    assert recs[0].wakes_up == (5,) and recs[1].wakes_up == ()


def test_no_slot_fills_more_than_its_share_of_the_list() -> None:
    owned = [g(1, "top"), g(2, "bottom"), g(3, "shoes")]
    bags = [g(100 + k, "bag") for k in range(10)]
    shoes = [g(200 + k, "shoes", colour_rgb=BEIGE) for k in range(10)]
    recs = recommend(owned, bags + shoes, limit=5)
    slots = [("bag" if r.candidate_id < 200 else "shoes") for r in recs]
    assert slots.count("bag") == math.ceil(5 * DEFAULT_WEIGHTS.max_share_per_slot) == 2
    assert len(recs) == 4  # 2 bags + 2 shoes: nothing else is eligible
    assert len(recommend(owned, bags + shoes, limit=5, max_per_slot=5)) == 5


def test_accessories_unlock_nothing_and_are_not_recommended() -> None:
    owned = [g(1, "top"), g(2, "bottom"), g(3, "shoes")]
    ev = evaluate(owned, [g(100, "accessory"), g(101, "bag")])
    assert ev.unlocked.tolist() == [0, 1]
    assert [r.candidate_id for r in recommend(owned, [g(100, "accessory")], min_unlocked=0)] == []


def test_an_empty_wardrobe_gets_an_empty_list() -> None:
    assert recommend([], [g(100, "top"), g(101, "shoes")]) == []


# ---- explanations


def test_explanations_reference_real_owned_items_and_complete_outfits() -> None:
    rng = random.Random(11)
    palette = [NAVY, WHITE, BEIGE, RED, GREEN, BLUE, MUSTARD, None]
    owned = [
        g(k, rng.choice(SLOTS), colour_rgb=rng.choice(palette), formality=rng.choice([None, 2, 3, 4]),
          pattern=rng.choice(["solid", "solid", "stripe"]))
        for k in range(1, 60)
    ]  # fmt: skip
    candidates = [g(1000 + k, rng.choice(SLOTS), colour_rgb=rng.choice(palette)) for k in range(80)]
    by_id = {o.id: o for o in owned} | {c.id: c for c in candidates}
    recs = recommend(owned, candidates, limit=20)
    assert len(recs) == 20
    owned_ids = {o.id for o in owned}
    for rec in recs:
        assert set(rec.pairs_with) <= owned_ids and set(rec.wakes_up) <= set(rec.pairs_with)
        assert len(rec.examples) == min(3, rec.outfits_unlocked)
        assert len(set(rec.examples)) == len(rec.examples)
        for outfit in rec.examples:
            assert rec.candidate_id in outfit
            assert set(outfit) - {rec.candidate_id} <= set(rec.pairs_with)
            items = [by_id[i] for i in outfit]
            assert is_complete_outfit(items)
            assert [SLOTS.index(i.slot) for i in items] == sorted(
                SLOTS.index(i.slot) for i in items
            )


def test_examples_show_optional_pieces_when_there_are_few_base_outfits() -> None:
    owned = [g(1, "bottom"), g(2, "shoes"), g(3, "bag"), g(4, "outerwear")]
    [rec] = recommend(owned, [g(100, "top")])
    assert rec.outfits_unlocked == 4
    assert rec.examples[0] == (100, 1, 2)  # the plain outfit first, then one optional piece
    assert set(rec.examples[1:]) == {(100, 1, 4, 2), (100, 1, 2, 3)}


# ---- the vectorised counts against brute force


PALETTE = (BLACK, NAVY, BEIGE, RED, MUSTARD, GREEN, VIOLET, PINK, None)
# Few core pieces, many coats and bags that mostly go together: the counting then takes its other
# route (compatible pairs counted as all pairs minus the few incompatible ones).
CROWDED = ("top", "bottom", "shoes", "one_piece", *("outerwear",) * 3, *("bag",) * 3)


@st.composite
def garments(
    draw: st.DrawFn,
    first_id: int,
    size: tuple[int, int],
    slots: tuple[str, ...] = SLOTS,
    palette: tuple[str | None, ...] = PALETTE,
) -> list[Garment]:
    """Garments from small attribute spaces, so that alike items (same type) are common."""
    count = draw(st.integers(*size))
    return [
        Garment(
            id=first_id + k,
            slot=draw(st.sampled_from(slots)),
            colour_rgb=draw(st.sampled_from(palette)),
            pattern=draw(st.sampled_from([None, "solid", "solid", "stripe", "floral"])),
            formality=draw(st.sampled_from([None, 1, 3, 5])),
            seasons=frozenset(
                draw(st.sets(st.sampled_from(["spring", "summer", "winter"]), max_size=2))
            ),
            style_tags=frozenset(draw(st.sets(st.sampled_from(["casual", "office"]), max_size=2))),
        )
        for k in range(count)
    ]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    owned=garments(1, (0, 16)),
    candidates=garments(500, (1, 6)),
    season=st.sampled_from([None, None, "summer"]),
)
def test_vectorised_counts_equal_brute_force(
    owned: list[Garment], candidates: list[Garment], season: str | None
) -> None:
    check_against_brute_force(owned, candidates, season)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    owned=garments(1, (8, 22), CROWDED, (BLACK, NAVY, BEIGE, WHITE, RED, None)),
    candidates=garments(500, (1, 6), ("top", "bottom", "shoes", "one_piece")),
)
def test_vectorised_counts_equal_brute_force_with_many_coats_and_bags(
    owned: list[Garment], candidates: list[Garment]
) -> None:
    check_against_brute_force(owned, candidates, None)


def check_against_brute_force(
    owned: list[Garment], candidates: list[Garment], season: str | None
) -> None:
    evaluation = evaluate(owned, candidates, season=season)
    n = len(candidates)
    recs = {
        r.candidate_id: r
        for r in recommend(
            owned, candidates, season=season, limit=n, min_unlocked=0, max_per_slot=n
        )
    }
    for k, candidate in enumerate(candidates):
        if not evaluation.considered[k]:
            assert candidate.slot == "accessory" or not in_season(candidate, season)
            continue
        expected = brute(owned, candidate, season)
        assert evaluation.unlocked[k] == expected["unlocked"]
        assert evaluation.wakes[k] == len(expected["wakes_up"])  # type: ignore[arg-type]
        assert evaluation.compatibility[k] == pytest.approx(expected["compatibility"])
        assert evaluation.duplicate[k] == any(near_duplicate(candidate, o) for o in owned)
        if candidate.id in recs:
            rec = recs[candidate.id]
            assert rec.outfits_unlocked == expected["unlocked"]
            assert rec.wakes_up == expected["wakes_up"]
            assert rec.pairs_with == expected["pairs_with"]
        else:
            assert evaluation.duplicate[k]


# ---- issue 12: variety across slots, counts per partner


def _gappy() -> tuple[list[Garment], list[Garment]]:
    """Tops, bottoms, one pair of shoes and no bag or coat; bags and coats unlock the most."""
    owned = [
        g(1, "top"),
        g(2, "top", colour_rgb=NAVY),
        g(3, "bottom"),
        g(4, "bottom", colour_rgb=BEIGE),
    ]
    owned.append(g(5, "shoes", colour_rgb=WHITE))
    bags = [
        g(100 + k, "bag", colour_rgb=c) for k, c in enumerate((BLACK, GREY, NAVY, BEIGE, WHITE))
    ]
    coats = [g(200 + k, "outerwear", colour_rgb=c) for k, c in enumerate((BLACK, GREY, NAVY))]
    coats += [g(203, "outerwear", colour_rgb=BEIGE), g(204, "outerwear", colour_rgb=WHITE)]
    shoes = [g(300, "shoes", colour_rgb=BLACK), g(301, "shoes", colour_rgb=BEIGE)]
    return owned, bags + coats + shoes


@pytest.mark.parametrize(
    ("limit", "min_slots", "expected_slots"),
    [(8, 3, 3), (8, 1, 2), (8, 5, 3), (3, 3, 3), (2, 3, 2), (1, 3, 1)],
)
def test_a_list_spans_the_slots_asked_for_when_candidates_allow(
    limit: int, min_slots: int, expected_slots: int
) -> None:
    owned, catalog = _gappy()
    recs = recommend(owned, catalog, limit=limit, min_slots=min_slots)
    slots = {next(c.slot for c in catalog if c.id == r.candidate_id) for r in recs}
    assert len(recs) == limit
    assert len(slots) == expected_slots  # 3 slots are on offer: bags, coats, shoes
    scores = [r.score for r in recs]
    assert scores == sorted(scores, reverse=True)  # still in score order


def test_variety_takes_the_place_of_the_weakest_pick_of_a_crowded_slot() -> None:
    owned, catalog = _gappy()
    plain = recommend(owned, catalog, limit=8, min_slots=1)
    varied = recommend(owned, catalog, limit=8)
    assert [r.candidate_id for r in varied if r.candidate_id < 300] == [
        r.candidate_id for r in plain
    ][:7]
    assert [r.candidate_id for r in varied if r.candidate_id >= 300] == [300]
    # The true counts stay: a bag suits each of the 4 outfits, a pair of shoes makes 4 more.
    assert {r.candidate_id: r.outfits_unlocked for r in varied}[300] == 4
    assert max(r.outfits_unlocked for r in varied) == varied[0].outfits_unlocked == 4


def test_pair_counts_say_how_many_unlocked_outfits_hold_each_partner() -> None:
    owned, catalog = _gappy()
    (shoes,) = recommend(owned, [c for c in catalog if c.id == 300])
    counts = dict(zip(shoes.pairs_with, shoes.pair_counts, strict=True))
    assert counts == {1: 2, 2: 2, 3: 2, 4: 2}  # each top with 2 bottoms, each bottom with 2 tops
    assert len(shoes.pair_scores) == len(shoes.pairs_with)
    assert all(0 < s <= 1.35 for s in shoes.pair_scores)
