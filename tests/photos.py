"""Real image files made on the spot, for upload tests (JPEG with GPS, PNG, WebP, HEIC, bombs)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

# Tokyo Tower, as a phone would write it into the photo.
GPS_LATITUDE = (35.0, 39.0, 31.0)
GPS_LONGITUDE = (139.0, 44.0, 43.0)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif


def photo(
    fmt: str = "JPEG",
    size: tuple[int, int] = (320, 240),
    *,
    mode: str = "RGB",
    gps: bool = False,
    orientation: int = 1,
) -> bytes:
    """An image in ``fmt`` (JPEG, PNG, WEBP, HEIF), a two-colour picture so orientation shows."""
    picture = Image.new("RGBA", size, (180, 40, 60, 128 if mode == "RGBA" else 255))
    picture.paste((20, 60, 160, 255), (0, 0, size[0] // 2, size[1]))  # left half blue
    picture = picture.convert(mode)
    options: dict[str, object] = {}
    if gps or orientation != 1:
        options["exif"] = exif_with_gps(orientation)
    out = io.BytesIO()
    picture.save(out, format=fmt, **options)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height``: a decompression bomb's disguise."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def gps_of(data: bytes) -> dict[int, object]:
    """The GPS block of an image's EXIF ({} when there is none)."""
    with Image.open(io.BytesIO(data)) as picture:
        return dict(picture.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def has_metadata(data: bytes) -> bool:
    """True when the file carries EXIF or XMP in any form Pillow can see, or the raw markers."""
    with Image.open(io.BytesIO(data)) as picture:
        if len(picture.getexif()) or "exif" in picture.info or "xmp" in picture.info:
            return True
    return b"Exif\x00\x00" in data
