"""Photos are accepted by what they are, and the stored copy keeps no location or camera data."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from app.core import i18n
from app.core.images import (
    HEIC_SUPPORTED,
    ImageLimits,
    ImageRejected,
    ImageTooLarge,
    inspect_and_clean,
)
from tests.photos import gps_of, has_metadata, photo, png_header_only


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages are checked in English; the request context would pick the user's language."""
    previous = i18n.get_locale()
    i18n.set_locale("en")
    yield
    i18n.set_locale(previous)


class TestAccepted:
    def test_a_jpeg_with_gps_is_stored_without_any_exif(self) -> None:
        original = photo("JPEG", gps=True)
        assert gps_of(original)  # the upload really carries a location
        clean = inspect_and_clean(original)
        assert (clean.content_type, clean.extension, clean.source_format) == (
            "image/jpeg",
            "jpg",
            "JPEG",
        )
        assert gps_of(clean.data) == {}
        assert not has_metadata(clean.data)

    def test_the_exif_orientation_is_applied_before_it_is_dropped(self) -> None:
        # Orientation 6: the camera was turned; the picture must be stored upright (portrait).
        clean = inspect_and_clean(photo("JPEG", (320, 240), orientation=6))
        assert (clean.width, clean.height) == (240, 320)
        with Image.open(io.BytesIO(clean.data)) as stored:
            assert stored.size == (240, 320)
            top = stored.convert("RGB").getpixel((120, 10))
            assert isinstance(top, tuple) and top[2] > top[0]  # the blue half is now on top

    @pytest.mark.parametrize(
        ("fmt", "mode", "content_type", "stored_mode"),
        [
            ("PNG", "RGBA", "image/png", "RGBA"),
            ("PNG", "RGB", "image/png", "RGB"),
            ("WEBP", "RGB", "image/webp", "RGB"),
            ("JPEG", "L", "image/jpeg", "L"),
        ],
    )
    def test_png_webp_and_grey_jpeg_keep_their_kind(
        self, fmt: str, mode: str, content_type: str, stored_mode: str
    ) -> None:
        clean = inspect_and_clean(photo(fmt, mode=mode))
        assert clean.content_type == content_type
        with Image.open(io.BytesIO(clean.data)) as stored:
            assert stored.mode == stored_mode and stored.size == (320, 240)

    def test_heic_from_a_phone_becomes_a_jpeg_browsers_can_show(self) -> None:
        assert HEIC_SUPPORTED  # pillow-heif is a dependency and decodes HEIC on this machine
        clean = inspect_and_clean(photo("HEIF", gps=True))
        assert (clean.source_format, clean.content_type) == ("HEIF", "image/jpeg")
        assert not has_metadata(clean.data)

    def test_large_photos_are_shrunk_to_the_longest_side(self) -> None:
        clean = inspect_and_clean(photo("JPEG", (3000, 1000)), ImageLimits(max_side=1200))
        assert (clean.width, clean.height) == (1200, 400)

    def test_the_declared_name_or_type_plays_no_part(self) -> None:
        # A PNG "named" .jpg is still a PNG: the decision is made from the bytes alone.
        assert inspect_and_clean(photo("PNG")).content_type == "image/png"


class TestRejected:
    @pytest.mark.parametrize(
        ("data", "words"),
        [
            (b"", "empty"),
            (b"this is a text file pretending to be photo.jpg\n" * 20, "not a photo"),
            (b"GIF89a" + b"\x00" * 100, "not a photo"),
            (b"%PDF-1.7\n" + b"0" * 200, "not a photo"),
        ],
    )
    def test_files_that_are_not_photos_get_a_message_a_person_can_act_on(
        self, data: bytes, words: str
    ) -> None:
        with pytest.raises(ImageRejected) as rejected:
            inspect_and_clean(data)
        assert words in rejected.value.detail
        assert rejected.value.status == 422

    def test_the_message_names_the_formats_that_are_accepted(self) -> None:
        with pytest.raises(ImageRejected) as rejected:
            inspect_and_clean(b"hello")
        assert "JPEG, PNG, WebP, HEIC" in rejected.value.detail

    def test_a_truncated_photo_is_refused_as_damaged(self) -> None:
        whole = photo("JPEG", (640, 480))
        with pytest.raises(ImageRejected) as rejected:
            inspect_and_clean(whole[: len(whole) // 2])
        assert "damaged" in rejected.value.detail

    def test_too_many_bytes(self) -> None:
        with pytest.raises(ImageTooLarge) as rejected:
            inspect_and_clean(photo("PNG"), ImageLimits(max_bytes=100))
        assert rejected.value.status == 413
        assert "smaller photo" in rejected.value.detail

    @pytest.mark.parametrize(
        "size",
        [
            (7000, 7000),  # 49 MP: over our 40 MP, under Pillow's own warning level
            (100_000, 100_000),  # 10 gigapixels: Pillow itself calls this a bomb
        ],
    )
    def test_too_many_pixels_is_refused_before_decoding(self, size: tuple[int, int]) -> None:
        bomb = png_header_only(*size)
        assert len(bomb) < 200  # tiny on disk, huge in memory
        with pytest.raises(ImageTooLarge) as rejected:
            inspect_and_clean(bomb)
        assert "40 megapixels" in rejected.value.detail

    def test_the_pixel_limit_is_configurable(self) -> None:
        with pytest.raises(ImageTooLarge):
            inspect_and_clean(photo("JPEG", (200, 100)), ImageLimits(max_pixels=10_000))
