"""Cover art: normalise_cover, find_folder_cover and read_cover_file on pictures made here."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import threading
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from tonearm.adapters.media.images import (
    CoverArtError,
    find_folder_cover,
    normalise_cover,
    read_cover_file,
)
from tonearm.errors import InvalidInput
from tonearm.ingest.models import CoverImage

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)
EXIF_ORIENTATION = 0x0112
EXIF_MAKE = 0x010F
# How long a blocking call may take before the test calls it stuck: far beyond need.
DEADLINE_SECONDS = 30.0

# Runs normalise_cover on one file in a fresh interpreter and prints how far its peak RSS rose.
# VmHWM, not getrusage: ru_maxrss survives exec, so the child would start at the peak of the
# pytest process that forked it and hide what this decode allocates.
MEMORY_PROBE = textwrap.dedent(
    """
    import json, re, sys
    from pathlib import Path
    from tonearm.adapters.media.images import CoverArtError, normalise_cover

    def peak_rss_kib():
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"^VmHWM:\\s+(\\d+) kB", status, re.MULTILINE).group(1))

    data = Path(sys.argv[1]).read_bytes()
    before = peak_rss_kib()
    try:
        images = normalise_cover(data, max_pixels=int(sys.argv[2]))
        outcome = [image.size_px for image in images]
    except CoverArtError as error:
        outcome = str(error)
    after = peak_rss_kib()
    print(json.dumps({"outcome": outcome, "peak_rise_mib": (after - before) / 1024}))
    """
)


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixel(data: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    value = decode(data).convert("RGB").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def assert_close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 24) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (
        f"{actual} is not close to {expected}"
    )


def halves(
    size: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]
) -> Image.Image:
    """An RGB picture whose left half is one colour and right half another."""
    image = Image.new("RGB", size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height RGB pixels but whose data holds a few bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def flat_png(width: int, height: int) -> bytes:
    """A complete, valid black RGB PNG: width×height pixels in a file of a few hundred KB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)  # filter byte, then black pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def probe_memory(tmp_path: Path, data: bytes, max_pixels: int) -> dict[str, object]:
    source = tmp_path / "probe-input"
    source.write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(source), str(max_pixels)],
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, object] = json.loads(result.stdout)
    return report


def sizes_of(images: list[CoverImage]) -> list[tuple[int, tuple[int, int], tuple[int, int]]]:
    return [(image.size_px, decode(image.jpeg).size, decode(image.webp).size) for image in images]


class TestSizes:
    def test_large_cover_gives_every_size_as_its_longer_side(self) -> None:
        data = encode(Image.new("RGB", (3000, 3000), RED), "JPEG")

        images = normalise_cover(data)

        assert sizes_of(images) == [
            (96, (96, 96), (96, 96)),
            (300, (300, 300), (300, 300)),
            (1200, (1200, 1200), (1200, 1200)),
        ]

    def test_wide_cover_keeps_its_aspect_ratio(self) -> None:
        data = encode(Image.new("RGB", (1600, 800), RED), "PNG")

        images = normalise_cover(data)

        assert sizes_of(images) == [
            (96, (96, 48), (96, 48)),
            (300, (300, 150), (300, 150)),
            (1200, (1200, 600), (1200, 600)),
        ]

    def test_tiny_cover_is_kept_at_its_own_size_not_upscaled(self) -> None:
        data = encode(Image.new("RGB", (50, 50), RED), "PNG")

        images = normalise_cover(data)

        assert sizes_of(images) == [(50, (50, 50), (50, 50))]

    def test_cover_between_sizes_gets_the_smaller_sizes_and_its_own(self) -> None:
        data = encode(Image.new("RGB", (400, 500), RED), "JPEG")

        images = normalise_cover(data)

        assert sizes_of(images) == [
            (96, (77, 96), (77, 96)),
            (300, (240, 300), (240, 300)),
            (500, (400, 500), (400, 500)),
        ]

    def test_custom_sizes_are_sorted_and_deduplicated(self) -> None:
        data = encode(Image.new("RGB", (800, 800), RED), "JPEG")

        images = normalise_cover(data, (200, 64, 200))

        assert [image.size_px for image in images] == [64, 200]

    @pytest.mark.parametrize("sizes", [(), (0, 300), (-5,)])
    def test_sizes_that_are_not_positive_are_a_programming_error(
        self, sizes: tuple[int, ...]
    ) -> None:
        data = encode(Image.new("RGB", (10, 10), RED), "PNG")

        with pytest.raises(ValueError, match="positive"):
            normalise_cover(data, sizes)


class TestEncoding:
    def test_outputs_are_progressive_jpeg_and_webp(self) -> None:
        data = encode(Image.new("RGB", (600, 600), BLUE), "PNG")

        for image in normalise_cover(data):
            assert image.jpeg[:3] == b"\xff\xd8\xff"
            assert decode(image.jpeg).info.get("progressive") == 1
            assert image.webp[:4] == b"RIFF"
            assert image.webp[8:12] == b"WEBP"
            assert decode(image.webp).format == "WEBP"
            assert decode(image.jpeg).mode == "RGB"

    def test_colours_survive(self) -> None:
        data = encode(halves((400, 400), RED, BLUE), "PNG")

        [_, _, largest] = normalise_cover(data, (96, 300, 400))

        for payload in (largest.jpeg, largest.webp):
            assert_close(pixel(payload, (50, 200)), RED)
            assert_close(pixel(payload, (350, 200)), BLUE)

    def test_exif_and_icc_profile_are_not_carried(self) -> None:
        exif = Image.Exif()
        exif[EXIF_MAKE] = "SecretCam"
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        data = encode(
            Image.new("RGB", (400, 400), RED), "JPEG", exif=exif.tobytes(), icc_profile=srgb
        )
        assert b"SecretCam" in data and decode(data).info.get("icc_profile")  # the input has both

        for image in normalise_cover(data):
            for payload in (image.jpeg, image.webp):
                decoded = decode(payload)
                assert b"SecretCam" not in payload
                assert b"Exif" not in payload and b"EXIF" not in payload
                assert dict(decoded.getexif()) == {}
                assert "icc_profile" not in decoded.info
                assert "exif" not in decoded.info
            assert_close(pixel(image.jpeg, (10, 10)), RED)


class TestColourModes:
    def test_exif_orientation_6_turns_a_wide_picture_upright(self) -> None:
        # Stored 400×200, left half red; orientation 6 means "rotate 90° clockwise to show",
        # which puts the stored left edge at the top.
        exif = Image.Exif()
        exif[EXIF_ORIENTATION] = 6
        data = encode(halves((400, 200), RED, BLUE), "JPEG", exif=exif.tobytes())

        [image] = normalise_cover(data, (200,))

        assert decode(image.jpeg).size == (100, 200)
        assert decode(image.webp).size == (100, 200)
        assert_close(pixel(image.jpeg, (50, 20)), RED)
        assert_close(pixel(image.jpeg, (50, 180)), BLUE)

    def test_transparency_is_flattened_on_white(self) -> None:
        image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # left: fully transparent
        image.paste((0, 0, 0, 128), (100, 0, 200, 100))  # right: half-transparent black
        data = encode(image, "PNG")

        [cover] = normalise_cover(data, (200,))

        assert decode(cover.jpeg).mode == "RGB"
        assert_close(pixel(cover.jpeg, (50, 50)), WHITE)
        assert_close(pixel(cover.jpeg, (150, 50)), (127, 127, 127))
        assert_close(pixel(cover.webp, (50, 50)), WHITE)

    def test_greyscale_with_alpha_is_flattened_too(self) -> None:
        data = encode(Image.new("LA", (64, 64), (0, 0)), "PNG")

        [cover] = normalise_cover(data, (64,))

        assert_close(pixel(cover.jpeg, (32, 32)), WHITE)

    def test_cmyk_jpeg_becomes_rgb(self) -> None:
        data = encode(Image.new("CMYK", (300, 300), (0, 255, 255, 0)), "JPEG")
        assert decode(data).mode == "CMYK"

        [cover] = normalise_cover(data, (300,))

        assert decode(cover.jpeg).mode == "RGB"
        assert_close(pixel(cover.jpeg, (150, 150)), RED, tolerance=40)
        assert_close(pixel(cover.webp, (150, 150)), RED, tolerance=40)

    @pytest.mark.parametrize("image_format", ["PNG", "GIF"])
    def test_palette_image_with_transparent_index_becomes_rgb(self, image_format: str) -> None:
        image = Image.new("P", (100, 100), 1)
        image.putpalette([0, 0, 0, *GREEN, *RED])
        image.paste(2, (50, 0, 100, 100))
        image.paste(0, (0, 0, 50, 50))  # index 0 is transparent
        data = encode(image, image_format, transparency=0)
        assert decode(data).mode == "P"

        [cover] = normalise_cover(data, (100,))

        assert decode(cover.jpeg).mode == "RGB"
        assert_close(pixel(cover.jpeg, (25, 25)), WHITE)
        assert_close(pixel(cover.jpeg, (25, 75)), GREEN)
        assert_close(pixel(cover.jpeg, (75, 50)), RED)

    def test_sixteen_bit_greyscale_keeps_its_tone(self) -> None:
        data = encode(Image.new("I;16", (64, 64), 32768), "PNG")  # mid grey on 16 bits

        [cover] = normalise_cover(data, (64,))

        assert_close(pixel(cover.jpeg, (32, 32)), (128, 128, 128), tolerance=4)

    def test_unusable_icc_profile_is_ignored(self) -> None:
        data = encode(Image.new("RGB", (64, 64), BLUE), "PNG", icc_profile=b"not a profile")
        assert decode(data).info.get("icc_profile") == b"not a profile"

        [cover] = normalise_cover(data, (64,))

        assert_close(pixel(cover.jpeg, (32, 32)), BLUE)


class TestBadInput:
    def test_cover_art_error_is_invalid_input(self) -> None:
        assert issubclass(CoverArtError, InvalidInput)
        assert CoverArtError("bad").reason == "bad"

    def test_garbage_is_refused(self) -> None:
        with pytest.raises(CoverArtError, match="not a JPEG, PNG, WebP, GIF or BMP image"):
            normalise_cover(os.urandom(4096))

    def test_empty_data_is_refused(self) -> None:
        with pytest.raises(CoverArtError, match="empty"):
            normalise_cover(b"")

    def test_format_outside_the_allowed_list_is_refused(self) -> None:
        data = encode(Image.new("RGB", (64, 64), RED), "TIFF")

        with pytest.raises(CoverArtError, match="not a JPEG"):
            normalise_cover(data)

    @pytest.mark.parametrize("kept", [0.5, 0.9])
    def test_truncated_jpeg_is_refused_not_half_decoded(self, kept: float) -> None:
        data = encode(Image.effect_noise((800, 800), 64).convert("RGB"), "JPEG")

        with pytest.raises(CoverArtError, match="truncated"):
            normalise_cover(data[: int(len(data) * kept)])

    def test_input_over_the_byte_limit_is_refused(self) -> None:
        data = encode(Image.new("RGB", (64, 64), RED), "PNG")

        assert normalise_cover(data, max_input_bytes=len(data))
        with pytest.raises(CoverArtError, match=r"over the .* limit"):
            normalise_cover(data, max_input_bytes=len(data) - 1)

    def test_header_claiming_ten_billion_pixels_is_refused(self) -> None:
        data = png_header_only(100_000, 100_000)
        assert len(data) < 200

        with pytest.raises(CoverArtError, match="decompression bomb"):
            normalise_cover(data)

    def test_header_over_max_pixels_is_refused_before_decoding(self) -> None:
        with pytest.raises(CoverArtError, match=r"7000×7000 px, over the 40,000,000-pixel limit"):
            normalise_cover(png_header_only(7000, 7000))

    def test_max_pixels_applies_to_real_images(self) -> None:
        data = encode(Image.new("RGB", (2000, 1000), RED), "JPEG")

        assert normalise_cover(data, max_pixels=2_000_000)
        with pytest.raises(CoverArtError, match="over the 1,999,999-pixel limit"):
            normalise_cover(data, max_pixels=1_999_999)


class TestMemoryBound:
    """Peak memory measured in a fresh interpreter (see MEMORY_PROBE)."""

    BOMB = (7000, 7000)  # 49 Mpx: 187 MiB decoded (4 bytes a pixel), from a file of ~150 KB

    def test_refusing_an_oversized_image_costs_little_memory(self, tmp_path: Path) -> None:
        data = flat_png(*self.BOMB)
        assert len(data) < 1024 * 1024

        report = probe_memory(tmp_path, data, max_pixels=40_000_000)

        assert "over the 40,000,000-pixel limit" in str(report["outcome"])
        assert isinstance(report["peak_rise_mib"], float)
        assert report["peak_rise_mib"] < 20

    def test_the_probe_sees_a_full_decode(self, tmp_path: Path) -> None:
        # The control for the test above: let the same file through and the rise is large.
        report = probe_memory(tmp_path, flat_png(*self.BOMB), max_pixels=50_000_000)

        assert report["outcome"] == [96, 300, 1200]
        assert isinstance(report["peak_rise_mib"], float)
        assert report["peak_rise_mib"] > 100

    def test_huge_jpeg_is_decoded_at_reduced_scale(self, tmp_path: Path) -> None:
        # 6000×6000 decodes to 137 MiB at full size; drafted at 1/4 (1500 px), to 9 MiB.
        picture = halves((6000, 6000), RED, BLUE)
        data = encode(picture, "JPEG", quality=50)
        del picture

        report = probe_memory(tmp_path, data, max_pixels=40_000_000)

        assert report["outcome"] == [96, 300, 1200]
        assert isinstance(report["peak_rise_mib"], float)
        assert report["peak_rise_mib"] < 64


class TestFindFolderCover:
    def test_names_are_tried_in_priority_order(self, tmp_path: Path) -> None:
        for name in ("albumart.jpg", "album.jpg", "front.jpg", "folder.jpg", "cover.webp"):
            (tmp_path / name).write_bytes(b"x")
        found = []
        for _ in range(5):
            chosen = find_folder_cover(tmp_path)
            assert chosen is not None
            found.append(chosen.name)
            chosen.unlink()

        assert found == ["cover.webp", "folder.jpg", "front.jpg", "album.jpg", "albumart.jpg"]
        assert find_folder_cover(tmp_path) is None

    def test_extensions_are_tried_in_order(self, tmp_path: Path) -> None:
        for name in ("cover.webp", "cover.png", "cover.jpeg", "cover.jpg"):
            (tmp_path / name).write_bytes(b"x")

        assert find_folder_cover(tmp_path) == tmp_path.resolve() / "cover.jpg"

    def test_names_match_case_insensitively(self, tmp_path: Path) -> None:
        (tmp_path / "Folder.JPG").write_bytes(b"x")
        (tmp_path / "FRONT.Png").write_bytes(b"x")

        assert find_folder_cover(tmp_path) == tmp_path.resolve() / "Folder.JPG"

    def test_other_names_and_extensions_are_not_covers(self, tmp_path: Path) -> None:
        for name in ("back.jpg", "cover.gif", "cover.jpg.txt", "mycover.jpg", "cover"):
            (tmp_path / name).write_bytes(b"x")

        assert find_folder_cover(tmp_path) is None

    def test_hidden_files_are_ignored(self, tmp_path: Path) -> None:
        (tmp_path / ".cover.jpg").write_bytes(b"x")
        (tmp_path / "._folder.jpg").write_bytes(b"x")

        assert find_folder_cover(tmp_path) is None

    def test_empty_and_oversized_files_are_skipped(self, tmp_path: Path) -> None:
        (tmp_path / "cover.jpg").write_bytes(b"")
        (tmp_path / "folder.jpg").write_bytes(b"x" * 1001)
        (tmp_path / "front.jpg").write_bytes(b"x" * 1000)

        assert find_folder_cover(tmp_path, max_bytes=1000) == tmp_path.resolve() / "front.jpg"

    def test_a_folder_named_like_a_cover_is_skipped(self, tmp_path: Path) -> None:
        (tmp_path / "cover.jpg").mkdir()
        (tmp_path / "folder.jpg").write_bytes(b"x")

        assert find_folder_cover(tmp_path) == tmp_path.resolve() / "folder.jpg"

    def test_symlink_out_of_the_folder_is_ignored(self, tmp_path: Path) -> None:
        outside = tmp_path / "elsewhere" / "secret.jpg"
        outside.parent.mkdir()
        outside.write_bytes(b"private")
        album = tmp_path / "album"
        album.mkdir()
        (album / "cover.jpg").symlink_to(outside)

        assert find_folder_cover(album) is None
        (album / "front.jpg").write_bytes(b"x")
        assert find_folder_cover(album) == album.resolve() / "front.jpg"

    def test_symlink_within_the_folder_gives_its_target(self, tmp_path: Path) -> None:
        scan = tmp_path / "scans" / "front-600dpi.jpg"
        scan.parent.mkdir()
        scan.write_bytes(b"x")
        (tmp_path / "cover.jpg").symlink_to(scan)

        assert find_folder_cover(tmp_path) == scan.resolve()

    def test_dangling_symlink_is_skipped(self, tmp_path: Path) -> None:
        (tmp_path / "cover.jpg").symlink_to(tmp_path / "gone.jpg")

        assert find_folder_cover(tmp_path) is None

    def test_missing_folder_gives_none(self, tmp_path: Path) -> None:
        assert find_folder_cover(tmp_path / "nope") is None

    def test_found_cover_can_be_read_and_normalised(self, tmp_path: Path) -> None:
        data = encode(Image.new("RGB", (400, 400), GREEN), "JPEG")
        (tmp_path / "Cover.jpg").write_bytes(data)

        found = find_folder_cover(tmp_path)
        assert found is not None
        images = normalise_cover(read_cover_file(found, 1024 * 1024))

        assert [image.size_px for image in images] == [96, 300, 400]


class TestReadCoverFile:
    def test_reads_the_whole_file(self, tmp_path: Path) -> None:
        path = tmp_path / "cover.jpg"
        path.write_bytes(b"abc" * 1000)

        assert read_cover_file(path, 3000) == b"abc" * 1000

    def test_file_over_the_limit_is_refused_without_reading_it(self, tmp_path: Path) -> None:
        # Sparse: 64 GiB that take no disk; reading it whole would exhaust this machine.
        path = tmp_path / "cover.jpg"
        with path.open("wb") as file:
            file.truncate(64 * 1024**3)

        with pytest.raises(CoverArtError, match=r"cover\.jpg: 65536\.0 MiB, over the 20\.0 MiB"):
            read_cover_file(path, 20 * 1024 * 1024)

    def test_one_byte_over_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "cover.jpg"
        path.write_bytes(b"x" * 101)

        with pytest.raises(CoverArtError, match="over the 100 bytes limit"):
            read_cover_file(path, 100)

    def test_missing_file_is_a_cover_art_error(self, tmp_path: Path) -> None:
        with pytest.raises(CoverArtError, match=r"gone\.jpg: cannot open"):
            read_cover_file(tmp_path / "gone.jpg", 100)

    def test_symlink_is_not_followed(self, tmp_path: Path) -> None:
        (tmp_path / "real.jpg").write_bytes(b"x")
        (tmp_path / "cover.jpg").symlink_to(tmp_path / "real.jpg")

        with pytest.raises(CoverArtError, match="symlink"):
            read_cover_file(tmp_path / "cover.jpg", 100)

    def test_fifo_is_refused_without_blocking(self, tmp_path: Path) -> None:
        fifo = tmp_path / "cover.jpg"
        os.mkfifo(fifo)
        outcome: list[BaseException | bytes] = []

        def read() -> None:
            try:
                outcome.append(read_cover_file(fifo, 100))
            except CoverArtError as error:
                outcome.append(error)

        # A daemon thread, so a regression that blocks on open fails the test, not the run.
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(DEADLINE_SECONDS)

        assert len(outcome) == 1, "read_cover_file blocked on a FIFO"
        assert isinstance(outcome[0], CoverArtError)
        assert "not a regular file" in str(outcome[0])
