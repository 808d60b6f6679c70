"""What a stylist reads beside each recommendation, and the pull list before a call.

No database and no web framework: recommendations (``recommender.Recommendation``) and short
descriptions of the pieces go in, sentences in the current UI language come out. The bench runs
the same code on generated wardrobes (``bench/recommend.py``: distinct explanations).

An explanation says what is specific to the item: the gap in the wardrobe it fills (a slot with
nothing or little in it, a colour new to its slot, pieces it brings back into use) and 1-3 owned
pieces it makes new outfits with. The pieces named are chosen for this item — the ones it goes
with best and that appear in most of its outfits — and the ones already named for items higher
up the list give way, so eight bags that suit everything do not all name the same three pieces.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.core.i18n import get_locale, ngettext
from app.core.i18n import gettext as _
from app.wardrobe.closet import vocabulary as vocab
from app.wardrobe.recommender import OUTFIT_SLOTS, Recommendation

NAMED = 3  # owned pieces named per explanation
THIN = 2  # a slot with this many pieces or fewer is thin: one more widens the choice
PULL_LIST = 6
CONSIDERED = 24  # owned partners looked at when choosing which to name


@dataclass(frozen=True)
class Piece:
    """What the sentences need of a garment (owned or from the catalog)."""

    id: int
    label: str
    slot: str | None
    colour: str | None = None  # the colour's code ("navy"), when known


@dataclass(frozen=True)
class Explained:
    headline: str
    explanation: str
    named: tuple[int, ...]  # the owned ids the explanation names
    gap: str | None  # "empty", "thin", "colour" or None


def colour_name(code: str | None, locale: str | None = None) -> str:
    """A colour code in the UI language (``navy`` -> ネイビー); unknown codes as they are."""
    return vocab.colour_label(code, locale or get_locale())


def _join(names: Sequence[str]) -> str:
    if get_locale() == "ja":
        return "、".join(names)
    if len(names) <= 1:
        return "".join(names)
    return _("%(items)s and %(last)s", items=", ".join(names[:-1]), last=names[-1])


def headline(unlocked: int, woken: int) -> str:
    """``12 new outfits · wakes up 1 unworn piece`` (the true count, with separators)."""
    text = ngettext(
        "%(count)s new outfit", "%(count)s new outfits", unlocked, count=f"{unlocked:,}"
    )
    if woken:
        text += " · " + ngettext(
            "wakes up %(num)s unworn piece", "wakes up %(num)s unworn pieces", woken
        )
    return text


def _gap(candidate: Piece, owned: Sequence[Piece]) -> tuple[str | None, str]:
    slot = candidate.slot or ""
    in_slot = [p for p in owned if p.slot == slot]
    slot_name = vocab.slot_label(slot, get_locale())
    if get_locale() != "ja":
        slot_name = slot_name.lower()
    if not in_slot:
        return "empty", _("Fills a gap: no %(slot)s in the wardrobe yet.", slot=slot_name)
    if len(in_slot) <= THIN:
        return "thin", ngettext(
            "Only %(num)s piece in %(slot)s so far: one more widens the choice.",
            "Only %(num)s pieces in %(slot)s so far: one more widens the choice.",
            len(in_slot),
            slot=slot_name,
        )
    if candidate.colour and candidate.colour not in {p.colour for p in in_slot}:
        return "colour", _(
            "The first %(colour)s among the %(slot)s.",
            colour=colour_name(candidate.colour),
            slot=slot_name,
        )
    return None, ""


def _choose(
    rec: Recommendation, owned: Mapping[int, Piece], named_before: Counter[int], taken: set[str]
) -> list[int]:
    """1-3 owned pieces for this item: best match and most of its outfits, each slot once
    first, pieces named higher up the list last; never the same names as an earlier item."""
    total = max(1, rec.outfits_unlocked)
    counts = rec.pair_counts or (0,) * len(rec.pairs_with)
    scores = rec.pair_scores or (1.0,) * len(rec.pairs_with)
    ranked = sorted(  # pairs_with is in order of outfits: the first few dozen hold the best
        (-(c / total + 0.5 * s - 0.75 * named_before[i]), i)
        for i, c, s in zip(
            rec.pairs_with[:CONSIDERED], counts[:CONSIDERED], scores[:CONSIDERED], strict=True
        )
        if i in owned
    )
    order, labels = [], set()
    for _value, i in ranked:  # two pieces of one name read as one: name it once
        if owned[i].label not in labels:
            order.append(i)
            labels.add(owned[i].label)
    chosen: list[int] = []
    slots: set[str | None] = set()
    for i in order:  # one per slot first: "your skirt, your loafers", not three skirts
        if len(chosen) < NAMED and owned[i].slot not in slots:
            chosen.append(i)
            slots.add(owned[i].slot)
    for i in order:
        if len(chosen) >= NAMED:
            break
        if i not in chosen:
            chosen.append(i)
    key = _key(chosen, owned)
    spare = [i for i in order if i not in chosen]
    while chosen and key in taken and spare:  # same names as an earlier item: swap the last
        chosen[-1] = spare.pop(0)
        key = _key(chosen, owned)
    return chosen


def _key(chosen: Iterable[int], owned: Mapping[int, Piece]) -> str:
    return "\x1f".join(sorted(owned[i].label for i in chosen))


def explain_all(
    recs: Sequence[Recommendation],
    candidates: Mapping[int, Piece],
    owned: Mapping[int, Piece],
) -> list[Explained]:
    """A headline and an explanation per recommendation, in list order, each its own."""
    wardrobe = [p for p in owned.values() if p.slot in OUTFIT_SLOTS]
    named_before: Counter[int] = Counter()
    taken: set[str] = set()
    out = []
    for rec in recs:
        candidate = candidates[rec.candidate_id]
        gap, gap_text = _gap(candidate, wardrobe)
        chosen = _choose(rec, owned, named_before, taken)
        named_before.update(chosen)
        taken.add(_key(chosen, owned))
        parts = [gap_text] if gap_text else []
        woken = [owned[i].label for i in rec.wakes_up if i in owned][:NAMED]
        if woken:
            parts.append(_("Brings %(items)s back into use.", items=_join(woken)))
        if chosen:
            labels = [owned[i].label for i in chosen]
            parts.append(_("New outfits with your %(items)s.", items=_join(labels)))
        space = "" if get_locale() == "ja" else " "
        out.append(
            Explained(
                headline=headline(rec.outfits_unlocked, len(rec.wakes_up)),
                explanation=space.join(parts),
                named=tuple(chosen),
                gap=gap,
            )
        )
    return out


@dataclass(frozen=True)
class Pull:
    """An owned piece worth having on camera, and the suggestions it goes with."""

    owned_id: int
    suggestions: tuple[int, ...]  # candidate ids, in list order


def pull_list(recs: Sequence[Recommendation], limit: int = PULL_LIST) -> list[Pull]:
    """The owned pieces that pair with the most of ``recs``: what to ask the customer to bring
    to the camera. Ties go to the piece in more of those items' outfits, then the lower id."""
    with_: dict[int, list[int]] = {}
    weight: Counter[int] = Counter()
    for rec in recs:
        counts = rec.pair_counts or (0,) * len(rec.pairs_with)
        for owned_id, count in zip(rec.pairs_with, counts, strict=True):
            with_.setdefault(owned_id, []).append(rec.candidate_id)
            weight[owned_id] += count / max(1, rec.outfits_unlocked)
    ranked = sorted(with_, key=lambda i: (-len(with_[i]), -weight[i], i))
    return [Pull(i, tuple(with_[i])) for i in ranked[:limit]]
