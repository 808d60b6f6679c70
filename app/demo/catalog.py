"""A generated but believable catalog for the demo brand (deterministic: same seed, same items)."""

from __future__ import annotations

import random
from dataclasses import dataclass

# name_ja, name_en, rgb
COLOURS: dict[str, tuple[str, str]] = {
    "navy": ("ネイビー", "#1f2a44"),
    "beige": ("ベージュ", "#d8c3a5"),
    "white": ("ホワイト", "#f5f5f0"),
    "black": ("ブラック", "#1b1b1b"),
    "grey": ("グレー", "#8a8d91"),
    "charcoal": ("チャコール", "#3b3f45"),
    "ivory": ("アイボリー", "#efe9dc"),
    "camel": ("キャメル", "#b5835a"),
    "brown": ("ブラウン", "#6b4a35"),
    "olive": ("オリーブ", "#6b6b3a"),
    "khaki": ("カーキ", "#a89f6b"),
    "burgundy": ("ボルドー", "#6d1f2f"),
    "red": ("レッド", "#b3282d"),
    "pink": ("ピンク", "#e7a3b1"),
    "lavender": ("ラベンダー", "#b7a6d6"),
    "sky": ("サックス", "#9cc3e4"),
    "blue": ("ブルー", "#2f5da8"),
    "green": ("グリーン", "#3f7d4e"),
    "mustard": ("マスタード", "#d1a23b"),
    "terracotta": ("テラコッタ", "#c0643f"),
}
NEUTRALS = ("navy", "beige", "white", "black", "grey", "charcoal", "ivory", "camel", "brown")

PATTERNS: dict[str, str] = {
    "solid": "無地",
    "stripe": "ストライプ",
    "check": "チェック",
    "dot": "ドット",
    "floral": "花柄",
    "print": "プリント",
}
MATERIALS: dict[str, tuple[str, str]] = {
    "cotton": ("コットン", "Cotton"),
    "linen": ("リネン", "Linen"),
    "wool": ("ウール", "Wool"),
    "polyester": ("ポリエステル", "Polyester"),
    "silk": ("シルク", "Silk"),
    "denim": ("デニム", "Denim"),
    "leather": ("レザー", "Leather"),
    "cashmere": ("カシミヤ", "Cashmere"),
    "nylon": ("ナイロン", "Nylon"),
    "rayon": ("レーヨン", "Rayon"),
}
CLOTHES = ["XS", "S", "M", "L", "XL"]
SHOES = ["22.5", "23.0", "23.5", "24.0", "24.5", "25.0", "25.5", "26.0", "26.5", "27.0"]


@dataclass(frozen=True)
class Category:
    code: str
    slot: str
    name_ja: str
    name_en: str
    materials: tuple[str, ...]
    formality: tuple[int, int]
    seasons: tuple[str, ...]
    tags: tuple[str, ...]
    price: tuple[int, int]
    patterned: bool = True


CATEGORIES: tuple[Category, ...] = (
    Category(
        "BL",
        "top",
        "ブラウス",
        "blouse",
        ("cotton", "silk", "polyester", "rayon"),
        (2, 4),
        ("spring", "summer", "autumn"),
        ("feminine", "office"),
        (5900, 14900),
    ),
    Category(
        "SH",
        "top",
        "シャツ",
        "shirt",
        ("cotton", "linen"),
        (2, 4),
        ("spring", "summer", "autumn", "winter"),
        ("classic", "office"),
        (4900, 12900),
    ),
    Category(
        "TS",
        "top",
        "Tシャツ",
        "T-shirt",
        ("cotton",),
        (1, 2),
        ("spring", "summer"),
        ("casual", "relaxed"),
        (1990, 4900),
    ),
    Category(
        "KN",
        "top",
        "ニット",
        "knit",
        ("wool", "cashmere", "cotton"),
        (2, 3),
        ("autumn", "winter"),
        ("minimal", "classic"),
        (5900, 19900),
        False,
    ),
    Category(
        "CS",
        "top",
        "カットソー",
        "jersey top",
        ("cotton", "rayon"),
        (1, 3),
        ("spring", "summer", "autumn"),
        ("casual", "minimal"),
        (2990, 6900),
    ),
    Category(
        "CD",
        "top",
        "カーディガン",
        "cardigan",
        ("wool", "cotton", "cashmere"),
        (2, 3),
        ("spring", "autumn", "winter"),
        ("classic", "feminine"),
        (4900, 16900),
        False,
    ),
    Category(
        "SK",
        "bottom",
        "スカート",
        "skirt",
        ("polyester", "wool", "cotton", "linen"),
        (2, 4),
        ("spring", "summer", "autumn", "winter"),
        ("feminine", "office"),
        (4900, 13900),
    ),
    Category(
        "PT",
        "bottom",
        "テーパードパンツ",
        "tapered trousers",
        ("wool", "polyester"),
        (3, 4),
        ("spring", "autumn", "winter"),
        ("office", "minimal"),
        (5900, 12900),
        False,
    ),
    Category(
        "WP",
        "bottom",
        "ワイドパンツ",
        "wide trousers",
        ("linen", "cotton", "polyester"),
        (1, 3),
        ("spring", "summer", "autumn"),
        ("relaxed", "minimal"),
        (4900, 11900),
        False,
    ),
    Category(
        "DN",
        "bottom",
        "デニム",
        "jeans",
        ("denim",),
        (1, 2),
        ("spring", "summer", "autumn", "winter"),
        ("casual",),
        (5900, 12900),
        False,
    ),
    Category(
        "CH",
        "bottom",
        "チノパン",
        "chinos",
        ("cotton",),
        (1, 3),
        ("spring", "summer", "autumn"),
        ("casual", "trad"),
        (3990, 8900),
        False,
    ),
    Category(
        "OP",
        "one_piece",
        "ワンピース",
        "dress",
        ("cotton", "polyester", "rayon", "linen"),
        (2, 4),
        ("spring", "summer", "autumn"),
        ("feminine",),
        (6900, 19900),
    ),
    Category(
        "AI",
        "one_piece",
        "オールインワン",
        "jumpsuit",
        ("cotton", "linen"),
        (1, 3),
        ("spring", "summer"),
        ("relaxed", "casual"),
        (6900, 14900),
        False,
    ),
    Category(
        "CT",
        "outerwear",
        "コート",
        "coat",
        ("wool", "cashmere"),
        (3, 5),
        ("autumn", "winter"),
        ("classic", "minimal"),
        (14900, 49900),
        False,
    ),
    Category(
        "JK",
        "outerwear",
        "ジャケット",
        "jacket",
        ("wool", "linen", "polyester"),
        (3, 5),
        ("spring", "autumn", "winter"),
        ("office", "classic"),
        (9900, 29900),
    ),
    Category(
        "TR",
        "outerwear",
        "トレンチコート",
        "trench coat",
        ("cotton", "polyester"),
        (3, 4),
        ("spring", "autumn"),
        ("classic", "trad"),
        (14900, 32900),
        False,
    ),
    Category(
        "DW",
        "outerwear",
        "ダウンジャケット",
        "down jacket",
        ("nylon",),
        (1, 2),
        ("winter",),
        ("casual", "sporty"),
        (12900, 29900),
        False,
    ),
    Category(
        "PM",
        "shoes",
        "パンプス",
        "pumps",
        ("leather",),
        (3, 5),
        ("spring", "summer", "autumn", "winter"),
        ("office", "feminine"),
        (7900, 19900),
        False,
    ),
    Category(
        "SN",
        "shoes",
        "スニーカー",
        "sneakers",
        ("leather", "cotton", "nylon"),
        (1, 2),
        ("spring", "summer", "autumn", "winter"),
        ("casual", "sporty"),
        (5900, 13900),
        False,
    ),
    Category(
        "LF",
        "shoes",
        "ローファー",
        "loafers",
        ("leather",),
        (2, 4),
        ("spring", "autumn", "winter"),
        ("trad", "classic"),
        (9900, 21900),
        False,
    ),
    Category(
        "BT",
        "shoes",
        "ショートブーツ",
        "ankle boots",
        ("leather",),
        (2, 4),
        ("autumn", "winter"),
        ("classic", "minimal"),
        (12900, 26900),
        False,
    ),
    Category(
        "SD",
        "shoes",
        "サンダル",
        "sandals",
        ("leather",),
        (1, 3),
        ("summer",),
        ("relaxed", "feminine"),
        (4900, 12900),
        False,
    ),
    Category(
        "TB",
        "bag",
        "トートバッグ",
        "tote bag",
        ("leather", "cotton", "nylon"),
        (1, 3),
        ("spring", "summer", "autumn", "winter"),
        ("casual", "office"),
        (3990, 24900),
        False,
    ),
    Category(
        "SB",
        "bag",
        "ショルダーバッグ",
        "shoulder bag",
        ("leather",),
        (2, 4),
        ("spring", "summer", "autumn", "winter"),
        ("feminine", "classic"),
        (6900, 29900),
        False,
    ),
    Category(
        "SC",
        "accessory",
        "スカーフ",
        "scarf",
        ("silk", "polyester"),
        (2, 4),
        ("spring", "autumn"),
        ("feminine", "classic"),
        (3990, 12900),
    ),
    Category(
        "BE",
        "accessory",
        "ベルト",
        "belt",
        ("leather",),
        (2, 4),
        ("spring", "summer", "autumn", "winter"),
        ("classic", "minimal"),
        (2990, 8900),
        False,
    ),
    Category(
        "ST",
        "accessory",
        "ストール",
        "stole",
        ("wool", "cashmere"),
        (1, 3),
        ("autumn", "winter"),
        ("minimal", "relaxed"),
        (3990, 15900),
    ),
)
PER_CATEGORY = 20  # 27 categories x 20 = 540 items


def _sizes(slot: str, rng: random.Random) -> list[str]:
    if slot == "shoes":
        start = rng.randint(0, 2)
        return SHOES[start : start + 8]
    if slot in ("bag", "accessory"):
        return ["F"]
    return CLOTHES[rng.randint(0, 1) : 5 - rng.randint(0, 1)]


def _price(low: int, high: int, rng: random.Random) -> int:
    """Prices end in 900 and are stated tax-inclusive, as Japanese shops do."""
    return (rng.randint(low, high) // 1000) * 1000 + 900 if high > 2000 else low


def generate_catalog(seed: int = 20261122) -> list[dict[str, object]]:
    """Field dictionaries for every demo catalog item, ordered by SKU."""
    rng = random.Random(seed)
    items: list[dict[str, object]] = []
    for category in CATEGORIES:
        for index in range(PER_CATEGORY):
            colour = rng.choice(NEUTRALS) if rng.random() < 0.6 else rng.choice(list(COLOURS))
            pattern = "solid"
            if category.patterned and rng.random() < 0.35:
                pattern = rng.choice(["stripe", "check", "dot", "floral", "print"])
            secondary = None
            if pattern != "solid":
                secondary = rng.choice(
                    [c for c in ("white", "ivory", "navy", "black") if c != colour]
                )
            material = rng.choice(category.materials)
            colour_ja, colour_rgb = COLOURS[colour]
            material_ja, material_en = MATERIALS[material]
            pattern_ja = "" if pattern == "solid" else f"{PATTERNS[pattern]} "
            pattern_en = "" if pattern == "solid" else f"{pattern} "
            seasons = sorted(
                set(
                    rng.sample(
                        category.seasons, k=max(1, len(category.seasons) - rng.randint(0, 1))
                    )
                )
            )
            items.append(
                {
                    "sku": f"KN-{category.code}-{index + 1:03d}",
                    "name_ja": f"{colour_ja} {pattern_ja}{material_ja}{category.name_ja}",
                    "name_en": f"{colour.capitalize()} {pattern_en}{material_en.lower()} {category.name_en}",
                    "category": category.name_en.replace(" ", "_").lower(),
                    "slot": category.slot,
                    "colour_name": colour,
                    "colour_rgb": colour_rgb,
                    "secondary_colour_name": secondary,
                    "secondary_colour_rgb": COLOURS[secondary][1] if secondary else None,
                    "pattern": pattern,
                    "material": material,
                    "formality": rng.randint(*category.formality),
                    "seasons": seasons,
                    "style_tags": sorted(
                        set(rng.sample(category.tags, k=1))
                        | {rng.choice(("minimal", "classic", "casual"))}
                    ),
                    "sizes": _sizes(category.slot, rng),
                    "price_yen": _price(*category.price, rng),
                }
            )
    return items


def generate_stock(sku: str, sizes: list[str], stores: list[str]) -> dict[str, dict[str, int]]:
    """Units per location ("online" or a store slug) and size; the same for the same item.

    The web shop carries most sizes; each store a few units, with the odd size sold out, so that
    recommendations and reservations meet both cases.
    """
    rng = random.Random(f"stock-{sku}")
    middle = len(sizes) // 2
    stock: dict[str, dict[str, int]] = {"online": {}}
    for n, size in enumerate(sizes):
        near_middle = abs(n - middle) <= 1
        stock["online"][size] = (
            0 if rng.random() < 0.08 else rng.randint(2, 12 if near_middle else 6)
        )
    if not any(stock["online"].values()):  # every item can at least be bought online
        stock["online"][sizes[middle]] = rng.randint(1, 3)
    for store in stores:
        stock[store] = {
            size: 0 if rng.random() < (0.2 if abs(n - middle) <= 1 else 0.45) else rng.randint(1, 4)
            for n, size in enumerate(sizes)
        }
    return stock
