"""Accept a photo by what it is, not by what it is called, and keep a clean copy of it.

One call, ``inspect_and_clean(data)``: it decodes the bytes (JPEG, PNG, WebP, and HEIC/HEIF when the
``pillow-heif`` decoder is installed — see ``HEIC_SUPPORTED``), refuses files that are too big in
bytes or in pixels *before* decoding them (decompression bombs), turns the picture upright from its
EXIF orientation, shrinks it to ``max_side`` and re-encodes it from bare pixels. The copy therefore
carries no EXIF (GPS position, camera serial), XMP or text chunks; only the ICC colour profile is
kept so colours look the same. HEIC becomes JPEG (browsers other than Safari cannot show HEIC).

Pure apart from CPU: bytes in, bytes out, no files, no database. It is CPU work (tens to hundreds
of milliseconds for a phone photo), so async callers run it with ``asyncio.to_thread``. Errors are
``ImageRejected`` (422) and ``ImageTooLarge`` (413), both ``AppError`` with a message a person can
act on, in the current locale.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.errors import InvalidInput
from app.core.i18n import gettext as _

try:  # HEIC/HEIF from iPhones: only "where decodable", i.e. when libheif is available
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - the dependency is declared; this keeps the module usable
    HEIC_SUPPORTED = False

MB = 1024 * 1024

# Decoder name -> (stored format, content type, file extension).
_OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
}


@dataclass(frozen=True)
class ImageLimits:
    """What is accepted: file size, decoded pixels, and the longest side of the stored copy."""

    max_bytes: int = 10 * MB
    max_pixels: int = 40_000_000
    max_side: int = 2048
    quality: int = 85


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded, metadata-free copy ready to store and serve."""

    data: bytes
    content_type: str  # image/jpeg, image/png or image/webp
    extension: str  # jpg, png or webp
    width: int
    height: int
    source_format: str  # what the upload really was: JPEG, PNG, WEBP or HEIF


class ImageRejected(InvalidInput):
    code = "invalid_image"


class ImageTooLarge(ImageRejected):
    status = 413
    code = "image_too_large"


def accepted_formats() -> str:
    """The formats a person may send, for messages and help text."""
    return "JPEG, PNG, WebP, HEIC" if HEIC_SUPPORTED else "JPEG, PNG, WebP"


def inspect_and_clean(data: bytes, limits: ImageLimits | None = None) -> CleanImage:
    """Check ``data`` by decoding it and return a clean copy; raise ``ImageRejected`` otherwise."""
    limits = limits or ImageLimits()
    if not data:
        raise ImageRejected(_("The file is empty. Please choose a photo."))
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(
            _(
                "The photo is %(size)s MB; photos up to %(limit)s MB are accepted. "
                "Please send a smaller photo.",
                size=f"{len(data) / MB:.1f}",
                limit=f"{limits.max_bytes / MB:g}",
            )
        )
    formats = [name for name in _OUTPUT if name != "HEIF" or HEIC_SUPPORTED]
    try:
        # open() reads only the header: the size is known before any pixel is decoded.
        picture = Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(limits) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected(
            _(
                "This file is not a photo we can read. Please send a %(formats)s image.",
                formats=accepted_formats(),
            )
        ) from exc
    with picture:
        width, height = picture.size
        if width < 1 or height < 1 or width * height > limits.max_pixels:
            raise _too_many_pixels(limits)
        source = str(picture.format)
        try:
            picture.load()  # the first frame only (animations are stored as a still)
            upright = ImageOps.exif_transpose(picture)
        except Exception as exc:  # truncated or corrupt data fails inside the decoders
            raise ImageRejected(
                _("This photo is damaged or incomplete. Please take or export it again.")
            ) from exc
        icc = picture.info.get("icc_profile")
    return _encode(upright, source, icc if isinstance(icc, bytes) else None, limits)


def _too_many_pixels(limits: ImageLimits) -> ImageTooLarge:
    return ImageTooLarge(
        _(
            "The photo has too many pixels (at most %(limit)s megapixels). "
            "Please send a smaller photo or a screenshot of it.",
            limit=f"{limits.max_pixels / 1_000_000:g}",
        )
    )


def _encode(
    picture: Image.Image, source: str, icc: bytes | None, limits: ImageLimits
) -> CleanImage:
    target, content_type, extension = _OUTPUT[source]
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    if target == "JPEG":
        if has_alpha:
            flat = Image.new("RGB", picture.size, (255, 255, 255))
            flat.paste(picture.convert("RGBA"), mask=picture.convert("RGBA").getchannel("A"))
            picture = flat
        elif picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
    elif picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA" if has_alpha else "RGB")
    if max(picture.size) > limits.max_side:
        picture = picture.copy()
        picture.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
    # A new image from bare pixels: nothing of the original's metadata can come along.
    bare = Image.frombytes(picture.mode, picture.size, picture.tobytes())
    options: dict[str, object] = {}
    if icc:
        options["icc_profile"] = icc
    if target in ("JPEG", "WEBP"):
        options["quality"] = limits.quality
    out = io.BytesIO()
    bare.save(out, format=target, **options)
    return CleanImage(
        data=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=bare.width,
        height=bare.height,
        source_format=source,
    )
