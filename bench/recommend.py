"""Benchmark: top-20 recommendations for a 50,000-item catalog and a wardrobe of 300, and the outfits
the top 5 unlock against a popularity baseline (top sellers in the customer's sizes).

Everything is generated from a seeded RNG in the shape of the demo catalog (app/demo/catalog.py:
its 27 categories, 20 named colours, patterns, formality ranges, seasons and style tags), so two runs
build the same data. What is timed is ``recommend()`` against a ``CatalogIndex`` built once per
catalog (the service keeps it until the catalog changes); the one-off index build and a cold call
that indexes the catalog inside are printed too.

On the same 200 wardrobes the top-8 lists are also judged as a stylist reads them: the share that
span at least 3 slots among the wardrobes that lack something (a slot with at most 2 pieces), and
the share of explanations in a list that are distinct (the app's own sentences, in Japanese).

The full path: the same 50,000 items (with stock) and the same 300-item wardrobe are written to a
fresh database, the real app is served by uvicorn in its own process, and
``GET /api/v1/customers/{id}/recommendations?limit=20`` is timed over HTTP as a stylist; its p95 is
set against the pure computation's p95 measured in this run. The last line is JSON.

    .venv/bin/python bench/recommend.py [--runs 30] [--wardrobes 200] [--unique-colours]
        [--requests 60] [--database-url URL] [--no-full-path]
"""

from __future__ import annotations

import argparse
import asyncio
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app.core.i18n import set_locale
from app.demo.catalog import (
    CATEGORIES,
    CLOTHES,
    COLOURS,
    NEUTRALS,
    PATTERNS,
    SHOES,
    Category,
)
from app.wardrobe import advice_text
from app.wardrobe.closet import vocabulary as vocab
from app.wardrobe.recommender import (
    OUTFIT_SLOTS,
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
LIST = 8  # what the stylist's panel shows
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


def _colour(rng: random.Random, jitter: int) -> tuple[str, str]:
    name = rng.choice(NEUTRALS) if rng.random() < 0.6 else rng.choice(list(COLOURS))
    rgb = COLOURS[name][1]
    if not jitter:
        return name, rgb
    channels = [int(rgb[i : i + 2], 16) for i in (1, 3, 5)]
    return name, "#" + "".join(
        f"{min(255, max(0, c + rng.randint(-jitter, jitter))):02x}" for c in channels
    )


def _garment(gid: int, category: Category, rng: random.Random, jitter: int = 0) -> Garment:
    pattern = "solid"
    if category.patterned and rng.random() < 0.35:
        pattern = rng.choice(BOLD)
    seasons = rng.sample(category.seasons, k=max(1, len(category.seasons) - rng.randint(0, 1)))
    tags = {rng.choice(category.tags), rng.choice(("minimal", "classic", "casual"))}
    colour_name, colour_rgb = _colour(rng, jitter)
    return Garment(
        id=gid,
        slot=category.slot,
        colour_rgb=colour_rgb,
        colour_name=colour_name,
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
            garment = Garment(
                id=gid,
                slot=garment.slot,
                colour_rgb=garment.colour_rgb,
                colour_name=garment.colour_name,
            )
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


def label(g: Garment) -> str:
    """What the app would call the piece: ``ネイビー ニット`` (slot name without a category)."""
    kind = vocab.category_label(g.category, "ja") if g.category else vocab.slot_label(g.slot, "ja")
    return f"{vocab.colour_label(g.colour_name, 'ja')} {kind}".strip()


def piece(g: Garment) -> advice_text.Piece:
    return advice_text.Piece(g.id, label(g), g.slot, g.colour_name)


def judge_list(
    evaluation: object, owned: list[Garment], garments: dict[int, Garment]
) -> tuple[bool | None, float]:
    """(spans 3 slots — None when the wardrobe lacks nothing or 3 slots are not on offer, share of
    distinct explanations) of the top-8 list, explained as the app explains it."""
    recs = explain(evaluation, top(evaluation, LIST))  # type: ignore[arg-type]
    if not recs:
        return None, 1.0
    texts = advice_text.explain_all(
        recs, {r.candidate_id: piece(garments[r.candidate_id]) for r in recs},
        {g.id: piece(g) for g in owned},
    )  # fmt: skip
    distinct = len({t.explanation for t in texts}) / len(texts)
    counts = Counter(g.slot for g in owned if g.slot in OUTFIT_SLOTS)
    lacks = any(counts[s] <= advice_text.THIN for s in OUTFIT_SLOTS)
    e = evaluation  # type: ignore[assignment]
    eligible = e.considered & ~e.duplicate & (e.unlocked >= 1)  # type: ignore[attr-defined]
    on_offer = len(set(e.slot[eligible].tolist()))  # type: ignore[attr-defined]
    if not lacks or on_offer < 3:
        return None, distinct
    return len({garments[r.candidate_id].slot for r in recs}) >= 3, distinct


def compare(
    products: list[Product], index: CatalogIndex, wardrobes: int, seed: int
) -> dict[str, float]:
    """Mean outfits unlocked by the top 5: recommender vs best sellers, same size filter; and the
    top-8 lists' slot variety and distinct explanations."""
    rng = random.Random(seed)
    ids = np.array([p.garment.id for p in products])
    by_sales = sorted(range(len(products)), key=lambda k: (-products[k].sales, ids[k]))
    sizes = {(c, s): np.array([fits(p, c, s) for p in products]) for c in CLOTHES for s in SHOES}
    ours, theirs, wardrobe_sizes = [], [], []
    our_slots: Counter[str] = Counter()
    their_slots: Counter[str] = Counter()
    garments = {p.garment.id: p.garment for p in products}
    spans: list[bool] = []
    distinct: list[float] = []
    set_locale("ja")
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
        span, share = judge_list(evaluation, owned, garments)
        distinct.append(share)
        if span is not None:
            spans.append(span)
    return {
        "ours": statistics.fmean(ours),
        "theirs": statistics.fmean(theirs),
        "ours_median": statistics.median(ours),
        "theirs_median": statistics.median(theirs),
        "wardrobe_mean": statistics.fmean(wardrobe_sizes),
        "our_slots": dict(our_slots.most_common()),
        "their_slots": dict(their_slots.most_common()),
        "slot_variety": statistics.fmean(spans) if spans else float("nan"),
        "lacking": len(spans),
        "distinct_explanations": statistics.fmean(distinct),
    }


# ---- the full path: the same catalog and wardrobe in a database, the app over HTTP


async def _seed(bench: object, products: list[Product], owned: list[Garment]) -> tuple[int, str]:
    """Write the catalog (every size in stock online), a customer owning ``owned`` and a
    stylist who serves her; return (customer id, the stylist's session cookie)."""
    from sqlalchemy import insert

    from app.wardrobe.models import CatalogItem, CatalogStock, OwnedItem
    from tests.factories import (
        make_appointment,
        make_customer,
        make_service,
        make_store,
        make_stylist,
        tomorrow_at,
    )
    from tests.live import person_with_session

    db = bench.open()  # type: ignore[attr-defined]
    async with db.sessions() as session:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session)
        from app.customer.models import CustomerProfile

        profile = await session.get(CustomerProfile, customer.id)
        if profile is None:
            from sqlmodel import select

            profile = (
                await session.exec(
                    select(CustomerProfile).where(CustomerProfile.user_id == customer.id)
                )
            ).one()
        profile.size_top, profile.size_bottom, profile.shoe_size_cm = "M", "M", 24.0
        service = await make_service(session, store)
        await make_appointment(
            session, customer=customer, stylist=stylist, service=service, start=tomorrow_at(11)
        )
        rows, stock = [], []
        for p in products:
            g = p.garment
            rows.append(
                {
                    "id": g.id,
                    "brand_id": store.brand_id,
                    "sku": f"B{g.id:06d}",
                    "name_ja": label(g),
                    "name_en": f"{g.colour_name} {g.category}",
                    "category": g.category,
                    "slot": g.slot,
                    "colour_name": g.colour_name,
                    "colour_rgb": g.colour_rgb,
                    "pattern": g.pattern,
                    "material": "cotton",
                    "formality": g.formality,
                    "seasons": sorted(g.seasons),
                    "style_tags": sorted(g.style_tags),
                    "sizes": sorted(p.sizes),
                    "price_yen": 1000 + (g.id * 37) % 30000,
                    "is_active": True,
                }
            )
            stock.extend(
                {"catalog_item_id": g.id, "store_id": None, "size": size, "quantity": 3}
                for size in sorted(p.sizes)
            )
        for start in range(0, len(rows), 5000):
            await session.exec(insert(CatalogItem), params=rows[start : start + 5000])  # type: ignore[call-overload]
        for start in range(0, len(stock), 20000):
            await session.exec(insert(CatalogStock), params=stock[start : start + 20000])  # type: ignore[call-overload]
        session.add_all(
            OwnedItem(
                customer_id=customer.id,  # type: ignore[arg-type]
                label=label(g),
                slot=g.slot,
                colour_name=g.colour_name,
                colour_rgb=g.colour_rgb,
                category=g.category,
                pattern=g.pattern if g.formality else None,
                formality=g.formality,
                seasons=sorted(g.seasons) or None,
                source="upload",
                created_by_id=customer.id,  # type: ignore[arg-type]
            )
            for g in owned
        )
        person = await person_with_session(session, stylist)
        await session.commit()
    await db.dispose()
    return int(customer.id), person.cookie  # type: ignore[arg-type]


async def _time_requests(base: str, path: str, cookie: str, count: int) -> list[float]:
    import httpx

    samples = []
    headers = {"cookie": cookie}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for warm in range(3):  # the first builds the process's catalog snapshot
            response = await client.get(path)
            response.raise_for_status()
            if warm == 0:
                print(
                    f"  first request (reads and indexes the catalog): {response.elapsed.total_seconds() * 1000:.0f} ms"
                )
        for _ in range(count):
            start = time.perf_counter()
            response = await client.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
    return samples


def full_path(
    products: list[Product], owned: list[Garment], requests: int, database_url: str | None
) -> list[float]:
    """Latency of the recommendations API over HTTP against the real app in its own process."""
    from _common import bench_database, server_process

    from tests.live import SECRET

    async def go() -> list[float]:
        async with bench_database(database_url, "recommend") as bench:
            began = time.perf_counter()
            customer_id, cookie = await _seed(bench, products, owned)
            print(
                f"  seeded {len(products):,} items and {len(owned)} owned in {time.perf_counter() - began:.0f} s"
            )
            args = ["--database-url", bench.url, "--var-dir", str(bench.var_dir)]
            args += ["--secret", SECRET, *(["--schema", bench.schema] if bench.schema else [])]
            with server_process("app", *args) as server:
                path = f"/api/v1/customers/{customer_id}/recommendations?limit={LIMIT}"
                return await _time_requests(server.http, path, cookie, requests)

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--wardrobes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=60, help="timed full-path requests")
    parser.add_argument("--database-url", default=None, help="full path on PostgreSQL (a schema)")
    parser.add_argument("--no-full-path", action="store_true")
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
        f"top {LIST} lists: {figures['slot_variety']:.3f} span 3+ slots (of the "
        f"{figures['lacking']} wardrobes lacking a slot); distinct explanations "
        f"{figures['distinct_explanations']:.3f}"
    )
    full_p95 = full_p50 = float("nan")
    if not args.no_full_path:
        print(
            f"full path: {LIMIT} recommendations over HTTP, {len(garments):,} items in the database"
        )
        full = full_path(products, owned, args.requests, args.database_url)
        full_p50, full_p95 = statistics.median(full), percentile(full, 95)
        print(
            f"  {len(full)} requests: p50 {full_p50:.1f} ms, p95 {full_p95:.1f} ms; pure computation "
            f"p95 {p95:.1f} ms -> {full_p95 / p95:.2f}x"
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
                "slot_variety": round(figures["slot_variety"], 3),
                "distinct_explanations": round(figures["distinct_explanations"], 3),
                "full_path_p50_ms": round(full_p50, 1),
                "full_path_p95_ms": round(full_p95, 1),
                "full_path_ratio": round(full_p95 / p95, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
