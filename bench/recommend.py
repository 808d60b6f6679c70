"""Benchmark: top-20 recommendations for a 50,000-item catalog and a wardrobe of 300, and the outfits
the top 5 unlock against a popularity baseline (top sellers in the customer's sizes).

Everything is generated from a seeded RNG in the shape of the demo catalog (app/demo/catalog.py:
its 27 categories, 20 named colours, patterns, formality ranges, seasons and style tags), so two runs
build the same data. What is timed is ``recommend()`` against a ``CatalogIndex`` built once per
catalog (the service keeps it until the catalog changes); the one-off index build and a cold call
that indexes the catalog inside are printed too. The last line is JSON.

    .venv/bin/python bench/recommend.py [--runs 30] [--wardrobes 200] [--unique-colours]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# A web process serves several requests on 2 cores: BLAS must not spin up threads of its own per
# call (with OpenBLAS's default threads the same call is slower and far noisier on a busy machine).
# Set OPENBLAS_NUM_THREADS yourself to measure something else; the figure in force is printed.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo.catalog import (
    CATEGORIES,
    CLOTHES,
    COLOURS,
    NEUTRALS,
    PATTERNS,
    SHOES,
    Category,
)
from app.wardrobe.recommender import (
    SLOTS,
    CatalogIndex,
    Garment,
    evaluate,
    explain,
    recommend,
    top,
)

CATALOG = 50_000
WARDROBE = 300
LIMIT = 20
BOLD = [p for p in PATTERNS if p != "solid"]
# Rough share of each slot in a wardrobe (accessories are owned but never count toward outfits).
SLOT_SHARE = {
    "top": 0.30,
    "bottom": 0.17,
    "one_piece": 0.07,
    "outerwear": 0.10,
    "shoes": 0.12,
    "bag": 0.07,
    "accessory": 0.17,
}


@dataclass(frozen=True)
class Product:
    garment: Garment
    sizes: frozenset[str]
    sales: int


def _colour(rng: random.Random, jitter: int) -> str:
    name = rng.choice(NEUTRALS) if rng.random() < 0.6 else rng.choice(list(COLOURS))
    rgb = COLOURS[name][1]
    if not jitter:
        return rgb
    channels = [int(rgb[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(
        f"{min(255, max(0, c + rng.randint(-jitter, jitter))):02x}" for c in channels
    )


def _garment(gid: int, category: Category, rng: random.Random, jitter: int = 0) -> Garment:
    pattern = "solid"
    if category.patterned and rng.random() < 0.35:
        pattern = rng.choice(BOLD)
    seasons = rng.sample(category.seasons, k=max(1, len(category.seasons) - rng.randint(0, 1)))
    tags = {rng.choice(category.tags), rng.choice(("minimal", "classic", "casual"))}
    return Garment(
        id=gid,
        slot=category.slot,
        colour_rgb=_colour(rng, jitter),
        pattern=pattern,
        formality=rng.randint(*category.formality),
        seasons=frozenset(seasons),
        style_tags=frozenset(tags),
        category=category.code,
    )


def _sizes(slot: str, rng: random.Random) -> frozenset[str]:
    if slot == "shoes":
        start = rng.randint(0, 2)
        return frozenset(SHOES[start : start + 8])
    if slot in ("bag", "accessory"):
        return frozenset({"F"})
    return frozenset(CLOTHES[rng.randint(0, 1) : 5 - rng.randint(0, 1)])


def build_catalog(seed: int, jitter: int) -> list[Product]:
    """50,000 products; sales are log-normal, higher for basics (neutral, solid) and everyday
    categories, so the popularity baseline is a fair one rather than a straw man."""
    rng = random.Random(seed)
    products = []
    for gid in range(1, CATALOG + 1):
        category = rng.choice(CATEGORIES)
        garment = _garment(gid, category, rng, jitter)
        basic = 1.6 if garment.pattern == "solid" else 1.0
        everyday = 1.5 if category.slot in ("top", "bottom", "shoes") else 1.0
        sales = int(rng.lognormvariate(3.0, 1.0) * basic * everyday)
        products.append(Product(garment, _sizes(category.slot, rng), sales))
    return products


def build_wardrobe(seed: int, size: int) -> list[Garment]:
    """A wardrobe with a style: items lean to two style tags; a fifth are closet photos whose
    pattern, formality, seasons and tags nobody recorded (slot and colour only)."""
    rng = random.Random(seed)
    by_slot: dict[str, list[Category]] = {}
    for category in CATEGORIES:
        by_slot.setdefault(category.slot, []).append(category)
    liked = set(rng.sample(sorted({t for c in CATEGORIES for t in c.tags}), k=2))
    items = []
    for gid in range(1, size + 1):
        slot = rng.choices(list(SLOT_SHARE), weights=list(SLOT_SHARE.values()))[0]
        options = by_slot[slot]
        weights = [3.0 if liked & set(c.tags) else 1.0 for c in options]
        garment = _garment(gid, rng.choices(options, weights=weights)[0], rng)
        if rng.random() < 0.2:
            garment = Garment(id=gid, slot=garment.slot, colour_rgb=garment.colour_rgb)
        items.append(garment)
    return items


def timed(fn, runs: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def fits(product: Product, clothes: str, shoes: str) -> bool:
    slot = product.garment.slot
    wanted = shoes if slot == "shoes" else ("F" if slot in ("bag", "accessory") else clothes)
    return wanted in product.sizes


def compare(
    products: list[Product], index: CatalogIndex, wardrobes: int, seed: int
) -> dict[str, float]:
    """Mean outfits unlocked by the top 5: recommender vs best sellers, same size filter."""
    rng = random.Random(seed)
    ids = np.array([p.garment.id for p in products])
    by_sales = sorted(range(len(products)), key=lambda k: (-products[k].sales, ids[k]))
    sizes = {(c, s): np.array([fits(p, c, s) for p in products]) for c in CLOTHES for s in SHOES}
    ours, theirs, wardrobe_sizes = [], [], []
    our_slots: Counter[str] = Counter()
    their_slots: Counter[str] = Counter()
    for w in range(wardrobes):
        owned = build_wardrobe(seed * 1000 + w, rng.randint(20, 150))
        wardrobe_sizes.append(len(owned))
        available = sizes[(rng.choice(CLOTHES), rng.choice(SHOES))]
        evaluation = evaluate(owned, index, allowed_ids=ids[available])
        picks = top(evaluation, 5)
        ours.extend(int(evaluation.unlocked[k]) for k in picks)
        ours.extend(0 for _ in range(5 - len(picks)))  # fewer than 5 eligible: the gap counts as 0
        baseline = [k for k in by_sales if available[k]][:5]
        theirs.extend(int(evaluation.unlocked[k]) for k in baseline)
        our_slots.update(SLOTS[evaluation.slot[k]] for k in picks)
        their_slots.update(SLOTS[evaluation.slot[k]] for k in baseline)
    return {
        "ours": statistics.fmean(ours),
        "theirs": statistics.fmean(theirs),
        "ours_median": statistics.median(ours),
        "theirs_median": statistics.median(theirs),
        "wardrobe_mean": statistics.fmean(wardrobe_sizes),
        "our_slots": dict(our_slots.most_common()),
        "their_slots": dict(their_slots.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--wardrobes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--unique-colours",
        action="store_true",
        help="jitter every catalog colour by up to +-8 per channel: (almost) no two items alike",
    )
    args = parser.parse_args()

    products = build_catalog(args.seed, 8 if args.unique_colours else 0)
    garments = [p.garment for p in products]
    owned = build_wardrobe(args.seed, WARDROBE)
    start = time.perf_counter()
    index = CatalogIndex(garments)
    index_ms = (time.perf_counter() - start) * 1000
    print(
        f"catalog {len(garments):,} items -> {index.classes:,} classes (index built in "
        f"{index_ms:.0f} ms, once per catalog); wardrobe {len(owned)} items; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )

    recommend(owned, index, limit=LIMIT)  # warm-up: imports, BLAS threads, caches
    samples, result = timed(lambda: recommend(owned, index, limit=LIMIT), args.runs)
    recs = list(result)  # type: ignore[call-overload]
    cold, _ = timed(lambda: recommend(owned, garments, limit=LIMIT), 3)
    evaluation = evaluate(owned, index)
    split, _ = timed(lambda: evaluate(owned, index), args.runs)
    explained, _ = timed(lambda: explain(evaluation, top(evaluation, LIMIT)), args.runs)
    p50, p95 = statistics.median(samples), percentile(samples, 95)
    print(
        f"top {LIMIT} with counts and explanations, {args.runs} runs: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms (of which scoring every candidate p50 {statistics.median(split):.1f} ms, "
        f"explaining the top {LIMIT} p50 {statistics.median(explained):.1f} ms)"
    )
    print(f"cold call that also indexes the catalog: p50 {statistics.median(cold):.0f} ms")
    print(f"sleeping owned items: {len(evaluation.sleeping)}; best: ", end="")
    print(", ".join(f"#{r.candidate_id} {r.outfits_unlocked} outfits" for r in recs[:3]))

    figures = compare(products, index, args.wardrobes, args.seed)
    gain = figures["ours"] / figures["theirs"] if figures["theirs"] else float("inf")
    print(
        f"{args.wardrobes} wardrobes (mean {figures['wardrobe_mean']:.0f} items), top 5 in the "
        f"customer's sizes: recommender {figures['ours']:.1f} outfits unlocked on average "
        f"(median {figures['ours_median']:.0f}), best sellers {figures['theirs']:.1f} "
        f"(median {figures['theirs_median']:.0f}) -> {gain:.1f}x"
    )
    print(
        f"slots picked: recommender {figures['our_slots']}; best sellers {figures['their_slots']}"
    )
    print(
        json.dumps(
            {
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "unlocked_top5_mean": round(figures["ours"], 2),
                "baseline_unlocked_top5_mean": round(figures["theirs"], 2),
                "gain": round(gain, 2),
                "classes": index.classes,
                "index_ms": round(index_ms, 1),
                "cold_p50_ms": round(statistics.median(cold), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
