"""The words customers describe their clothes with: valid codes, both languages, default names."""

from __future__ import annotations

import re

import pytest

from app.wardrobe.closet import vocabulary as vocab
from app.wardrobe.models import Slot


def test_every_choice_has_both_languages_and_valid_values() -> None:
    for word in (*vocab.SLOTS, *vocab.COLOURS, *vocab.CATEGORIES, *vocab.PATTERNS, *vocab.SEASONS):
        assert word.ja and word.en and word.ja != word.en, word
    assert {s.code for s in vocab.SLOTS} == set(Slot)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c.rgb) for c in vocab.COLOURS)
    assert all(c.slot in set(Slot) for c in vocab.CATEGORIES)
    for table in (vocab.COLOURS, vocab.CATEGORIES, vocab.PATTERNS):
        codes = [w.code for w in table]
        assert len(codes) == len(set(codes)) and "other" not in codes


@pytest.mark.parametrize(
    ("colour", "category", "locale", "expected"),
    [
        ("beige", "knit", "en", "Beige knit"),
        ("beige", "knit", "ja", "ベージュ ニット"),
        ("navy", "tote_bag", "en", "Navy tote bag"),
        ("other", "t-shirt", "en", "T-shirt"),
        ("navy", "other", "ja", "ネイビー アイテム"),
        ("other", "other", "en", "Item"),
        ("other", "other", "ja", "アイテム"),
        ("mint", "kimono", "en", "Mint kimono"),  # off the lists: shown as typed
    ],
)
def test_default_names(colour: str, category: str, locale: str, expected: str) -> None:
    assert vocab.default_label(colour, category, locale) == expected


def test_labels_fall_back_to_the_code() -> None:
    assert vocab.category_label("wide_trousers", "ja") == "ワイドパンツ"
    assert vocab.category_label("hakama_pants", "en") == "hakama pants"
    assert vocab.slot_label(None, "en") == ""
