"""Generated product images: an SVG swatch of the item's colours and pattern. Pure, no I/O."""

from __future__ import annotations

from html import escape

from app.wardrobe.models import CatalogItem

_SLOT_SHAPES = {
    "top": "M30 20 L50 10 L70 10 L90 20 L100 45 L85 50 L80 40 L80 110 L40 110 L40 40 L35 50 L20 45 Z",
    "bottom": "M35 10 L85 10 L90 110 L68 110 L60 45 L52 110 L30 110 Z",
    "one_piece": "M45 8 L75 8 L78 30 L98 110 L22 110 L42 30 Z",
    "outerwear": "M28 18 L50 8 L70 8 L92 18 L104 90 L86 92 L82 50 L82 112 L38 112 L38 50 L34 92 L16 90 Z",
    "shoes": "M15 70 L55 62 L70 75 L105 82 L105 98 L15 98 Z",
    "bag": "M25 45 L95 45 L100 105 L20 105 Z M42 45 Q60 10 78 45",
    "accessory": "M60 20 A40 40 0 1 0 60.1 20 Z",
}


def _pattern(item: CatalogItem, accent: str) -> str:
    p = item.pattern
    if p == "stripe":
        return (
            '<pattern id="p" width="12" height="12" patternUnits="userSpaceOnUse">'
            f'<rect width="12" height="5" fill="{accent}"/></pattern>'
        )
    if p == "check":
        return (
            '<pattern id="p" width="16" height="16" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="16" fill="{accent}" opacity=".5"/>'
            f'<rect width="16" height="8" fill="{accent}" opacity=".5"/></pattern>'
        )
    if p in ("dot", "floral", "print"):
        radius = 4 if p == "dot" else 6
        return (
            '<pattern id="p" width="18" height="18" patternUnits="userSpaceOnUse">'
            f'<circle cx="9" cy="9" r="{radius}" fill="{accent}"/></pattern>'
        )
    return ""


def swatch_svg(item: CatalogItem) -> str:
    """A 120x120 SVG silhouette of the item in its colours, with its pattern drawn on top."""
    base = item.colour_rgb
    accent = item.secondary_colour_rgb or ("#ffffff" if item.colour_name != "white" else "#cccccc")
    shape = _SLOT_SHAPES.get(item.slot, _SLOT_SHAPES["accessory"])
    pattern = _pattern(item, accent)
    overlay = f'<path d="{shape}" fill="url(#p)"/>' if pattern else ""
    label = escape(item.name_en)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" role="img" '
        f'aria-label="{label}"><title>{label}</title><defs>{pattern}</defs>'
        '<rect width="120" height="120" fill="#f6f3ee"/>'
        f'<path d="{shape}" fill="{base}" stroke="#5b5149" stroke-width="1.5"/>{overlay}</svg>'
    )
