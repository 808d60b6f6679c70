"""Sentences beside recommendations: each its own, naming owned pieces, the gap it fills, colour
names in the UI language; and the pull list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.i18n import set_locale
from app.wardrobe import advice_text
from app.wardrobe.advice_text import Piece, explain_all, pull_list
from app.wardrobe.recommender import Recommendation


@pytest.fixture(params=["ja", "en"])
def locale(request: pytest.FixtureRequest) -> Iterator[str]:
    set_locale(request.param)
    yield request.param
    set_locale("ja")


def rec(cid: int, pairs: tuple[int, ...], counts: tuple[int, ...], unlocked: int) -> Recommendation:
    return Recommendation(
        candidate_id=cid, outfits_unlocked=unlocked, wakes_up=(), pairs_with=pairs, examples=(),
        compatibility=1.0, score=1.0, pair_counts=counts, pair_scores=(1.0,) * len(pairs),
    )  # fmt: skip


OWNED = {
    1: Piece(1, "紺のニット", "top", "navy"),
    2: Piece(2, "白いブラウス", "top", "white"),
    3: Piece(3, "紺のスカート", "bottom", "navy"),
    4: Piece(4, "紺のスカート", "bottom", "navy"),  # a second one of the same name
    5: Piece(5, "ベージュのパンツ", "bottom", "beige"),
    6: Piece(6, "白いスニーカー", "shoes", "white"),
}


def test_bags_that_suit_everything_still_get_their_own_sentences(locale: str) -> None:
    everything = (6, 1, 2, 3, 4, 5)
    recs = [rec(100 + k, everything, (6, 3, 3, 2, 2, 2), 6) for k in range(5)]
    bags = {
        r.candidate_id: Piece(r.candidate_id, f"bag {r.candidate_id}", "bag", "black") for r in recs
    }
    texts = explain_all(recs, bags, OWNED)
    assert len({t.explanation for t in texts}) == 5
    for t in texts:
        assert 1 <= len(t.named) <= 3
        labels = [OWNED[i].label for i in t.named]
        assert len(set(labels)) == len(labels)  # 紺のスカート is named once, not twice
        assert all(label in t.explanation for label in labels)
        assert t.gap == "empty"
    assert texts[0].named[0] == 6  # the piece in every outfit comes first for the first bag


@pytest.mark.parametrize(
    ("candidate", "gap", "ja", "en"),
    [
        (Piece(100, "bag", "bag", "black"), "empty", "まだお持ちでないバッグ", "no bags"),
        (Piece(100, "loafers", "shoes", "black"), "thin", "シューズはまだ1点", "Only 1 piece"),
        (Piece(100, "a top", "top", "red"), "colour", "トップスで初めてのレッド", "first Red"),
        (Piece(100, "a top", "top", "navy"), None, "", ""),
    ],
)
def test_the_gap_an_item_fills(
    locale: str, candidate: Piece, gap: str | None, ja: str, en: str
) -> None:
    owned = {**OWNED, 7: Piece(7, "グレーのTシャツ", "top", "grey")}
    (text,) = explain_all([rec(100, (3, 6), (1, 1), 1)], {100: candidate}, owned)
    assert text.gap == gap
    assert (ja if locale == "ja" else en) in text.explanation


def test_headlines_give_the_true_count(locale: str) -> None:
    text = advice_text.headline(2_602_449, 0)
    assert "2,602,449" in text
    assert ("コーディネート" in text) == (locale == "ja")


@pytest.mark.parametrize(
    ("code", "ja", "en"),
    [("navy", "ネイビー", "Navy"), ("sky", "サックス", "Sky blue"), ("teal", "teal", "teal")],
)
def test_colour_names_in_the_ui_language(code: str, ja: str, en: str) -> None:
    assert advice_text.colour_name(code, "ja") == ja
    assert advice_text.colour_name(code, "en") == en


def test_the_pull_list_puts_the_piece_in_most_suggestions_first() -> None:
    recs = [
        rec(100, (6, 1, 3), (4, 2, 2), 4),
        rec(101, (6, 2), (1, 1), 1),
        rec(102, (3, 6, 1), (1, 1, 1), 1),
        rec(103, (1,), (1,), 1),
    ]
    pulls = pull_list(recs, limit=3)
    # 6 and 1 are in 3 suggestions each, 3 in 2; 6 is in more of their outfits (all of 100's).
    assert [p.owned_id for p in pulls] == [6, 1, 3]
    assert pulls[1].suggestions == (100, 102, 103)
    assert pull_list([]) == []
