"""The words a customer picks from when they describe their own clothes. Pure data, ja and en.

Colour names and RGB values match the catalog's, so an item the customer adds and one they bought
from us are compared on the same terms by the recommender (``navy`` is ``navy`` on both sides).
Anything not on these lists is still accepted as ``other`` with its own RGB value.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.wardrobe.models import Slot


@dataclass(frozen=True)
class Word:
    """One choice with its Japanese and English names."""

    code: str
    ja: str
    en: str

    def label(self, locale: str) -> str:
        return self.ja if locale == "ja" else self.en


@dataclass(frozen=True)
class Colour(Word):
    rgb: str


@dataclass(frozen=True)
class Category(Word):
    slot: str  # where it usually goes in an outfit; the customer may choose another


OTHER_COLOUR = "other"
OTHER_CATEGORY = "other"

SLOTS: tuple[Word, ...] = (
    Word(Slot.top, "トップス", "Tops"),
    Word(Slot.bottom, "ボトムス", "Bottoms"),
    Word(Slot.one_piece, "ワンピース・オールインワン", "Dresses & jumpsuits"),
    Word(Slot.outerwear, "アウター", "Outerwear"),
    Word(Slot.shoes, "シューズ", "Shoes"),
    Word(Slot.bag, "バッグ", "Bags"),
    Word(Slot.accessory, "小物", "Accessories"),
)

COLOURS: tuple[Colour, ...] = (
    Colour("white", "ホワイト", "White", "#f5f5f0"),
    Colour("ivory", "アイボリー", "Ivory", "#efe9dc"),
    Colour("beige", "ベージュ", "Beige", "#d8c3a5"),
    Colour("camel", "キャメル", "Camel", "#b5835a"),
    Colour("brown", "ブラウン", "Brown", "#6b4a35"),
    Colour("grey", "グレー", "Grey", "#8a8d91"),
    Colour("charcoal", "チャコール", "Charcoal", "#3b3f45"),
    Colour("black", "ブラック", "Black", "#1b1b1b"),
    Colour("navy", "ネイビー", "Navy", "#1f2a44"),
    Colour("blue", "ブルー", "Blue", "#2f5da8"),
    Colour("sky", "サックス", "Sky blue", "#9cc3e4"),
    Colour("green", "グリーン", "Green", "#3f7d4e"),
    Colour("olive", "オリーブ", "Olive", "#6b6b3a"),
    Colour("khaki", "カーキ", "Khaki", "#a89f6b"),
    Colour("mustard", "マスタード", "Mustard", "#d1a23b"),
    Colour("terracotta", "テラコッタ", "Terracotta", "#c0643f"),
    Colour("red", "レッド", "Red", "#b3282d"),
    Colour("burgundy", "ボルドー", "Burgundy", "#6d1f2f"),
    Colour("pink", "ピンク", "Pink", "#e7a3b1"),
    Colour("lavender", "ラベンダー", "Lavender", "#b7a6d6"),
)

CATEGORIES: tuple[Category, ...] = (
    Category("blouse", "ブラウス", "Blouse", Slot.top),
    Category("shirt", "シャツ", "Shirt", Slot.top),
    Category("t-shirt", "Tシャツ", "T-shirt", Slot.top),
    Category("knit", "ニット", "Knit", Slot.top),
    Category("jersey_top", "カットソー", "Jersey top", Slot.top),
    Category("cardigan", "カーディガン", "Cardigan", Slot.top),
    Category("skirt", "スカート", "Skirt", Slot.bottom),
    Category("tapered_trousers", "テーパードパンツ", "Tapered trousers", Slot.bottom),
    Category("wide_trousers", "ワイドパンツ", "Wide trousers", Slot.bottom),
    Category("jeans", "デニム", "Jeans", Slot.bottom),
    Category("chinos", "チノパン", "Chinos", Slot.bottom),
    Category("dress", "ワンピース", "Dress", Slot.one_piece),
    Category("jumpsuit", "オールインワン", "Jumpsuit", Slot.one_piece),
    Category("coat", "コート", "Coat", Slot.outerwear),
    Category("jacket", "ジャケット", "Jacket", Slot.outerwear),
    Category("trench_coat", "トレンチコート", "Trench coat", Slot.outerwear),
    Category("down_jacket", "ダウンジャケット", "Down jacket", Slot.outerwear),
    Category("pumps", "パンプス", "Pumps", Slot.shoes),
    Category("sneakers", "スニーカー", "Sneakers", Slot.shoes),
    Category("loafers", "ローファー", "Loafers", Slot.shoes),
    Category("ankle_boots", "ショートブーツ", "Ankle boots", Slot.shoes),
    Category("sandals", "サンダル", "Sandals", Slot.shoes),
    Category("tote_bag", "トートバッグ", "Tote bag", Slot.bag),
    Category("shoulder_bag", "ショルダーバッグ", "Shoulder bag", Slot.bag),
    Category("scarf", "スカーフ", "Scarf", Slot.accessory),
    Category("belt", "ベルト", "Belt", Slot.accessory),
    Category("stole", "ストール", "Stole", Slot.accessory),
)

PATTERNS: tuple[Word, ...] = (
    Word("solid", "無地", "Solid"),
    Word("stripe", "ストライプ", "Stripe"),
    Word("check", "チェック", "Check"),
    Word("dot", "ドット", "Dots"),
    Word("floral", "花柄", "Floral"),
    Word("print", "プリント", "Print"),
)

SEASONS: tuple[Word, ...] = (
    Word("spring", "春", "Spring"),
    Word("summer", "夏", "Summer"),
    Word("autumn", "秋", "Autumn"),
    Word("winter", "冬", "Winter"),
)

COLOUR_BY_CODE = {c.code: c for c in COLOURS}
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}
SLOT_BY_CODE = {s.code: s for s in SLOTS}
PATTERN_BY_CODE = {p.code: p for p in PATTERNS}
SEASON_BY_CODE = {s.code: s for s in SEASONS}
SLOT_ORDER = tuple(s.code for s in SLOTS)


def _named(table: dict[str, Word], code: str | None, locale: str) -> str:
    if not code:
        return ""
    word = table.get(code)
    return word.label(locale) if word else code.replace("_", " ")


def colour_label(code: str | None, locale: str) -> str:
    return _named(COLOUR_BY_CODE, code, locale)  # type: ignore[arg-type]


def category_label(code: str | None, locale: str) -> str:
    return _named(CATEGORY_BY_CODE, code, locale)  # type: ignore[arg-type]


def slot_label(code: str | None, locale: str) -> str:
    return _named(SLOT_BY_CODE, code, locale)


def pattern_label(code: str | None, locale: str) -> str:
    return _named(PATTERN_BY_CODE, code, locale)


def season_label(code: str | None, locale: str) -> str:
    return _named(SEASON_BY_CODE, code, locale)


def default_label(colour: str | None, category: str | None, locale: str) -> str:
    """A name for an item the customer did not name: ``ネイビー ニット`` / ``Navy knit``."""
    colour_text = colour_label(colour, locale) if colour != OTHER_COLOUR else ""
    category_text = category_label(category, locale) if category != OTHER_CATEGORY else ""
    if locale == "ja":
        return " ".join(p for p in (colour_text, category_text or "アイテム") if p)
    text = " ".join(p for p in (colour_text, (category_text or "item").lower()) if p)
    return text[:1].upper() + text[1:]
