"""Cover art with Pillow: find it beside the audio, read it bounded, normalise it to 3 sizes.

Blocking: the pipeline calls these through `asyncio.to_thread`. Nothing here changes Pillow's
global state (MAX_IMAGE_PIXELS, LOAD_TRUNCATED_IMAGES, warning filters), so covers can be
normalised in several threads at once.

Decisions a caller can rely on:
- **Memory bound.** The header's width × height is checked before any pixel is decoded
  (`max_pixels`, default 40 million, and never above Pillow's own bomb limit). A JPEG is decoded
  at 1/2, 1/4 or 1/8 scale when that still covers the largest size asked for, so a 6000 px
  photo is decoded at 1500 px (9 MB). Other formats decode in full: at most about
  8 bytes × `max_pixels` (320 MB at the default) for the worst case, greyscale with alpha.
- **Never upscaled.** Each size up to the source's longer side is made; if the source is
  smaller than the largest size, one more image is made at the source's own size. So sizes
  (96, 300, 1200) give [96, 300, 1200] for a 3000 px cover, [96, 300, 500] for a 500 px one and
  [50] for a 50 px one: ascending, distinct, never empty, `size_px` always the true longer side.
- **Transparency is flattened on white**, the background most cover art with an alpha channel
  (logos, scans cut out of their background) was drawn for, and what JPEG viewers assume.
- **Truncated or corrupt data is refused** (CoverArtError), never half decoded: a cover that
  is half grey looks broken, and the person can fix the file.
- **Output**: RGB in sRGB (an embedded ICC profile is converted, then dropped), EXIF orientation
  applied, then no EXIF, ICC, XMP or comments; progressive JPEG quality 85 and WebP quality 80.
- Animated images (GIF, APNG, WebP) give their first frame.
"""

from __future__ import annotations

import errno
import io
import itertools
import os
import stat
import struct
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from tonearm.errors import InvalidInput
from tonearm.ingest.models import CoverImage

COVER_SIZES_PX = (96, 300, 1200)
MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85
WEBP_QUALITY = 80

# Only the formats cover art comes in: fewer decoders, less attack surface. (Pillow's JPEG
# opener also opens camera MPO files, as their first picture.)
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")

# Folder cover names, best first; the extensions are tried in this order for each name.
FOLDER_COVER_NAMES = ("cover", "folder", "front", "album", "albumart")
FOLDER_COVER_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
_FOLDER_COVER_RANK = {
    f"{name}{extension}": rank
    for rank, (name, extension) in enumerate(
        itertools.product(FOLDER_COVER_NAMES, FOLDER_COVER_EXTENSIONS)
    )
}

# What Pillow raises on data it cannot decode; its plugins are not consistent about it.
_DECODE_ERRORS = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,  # raised, not warned, when warnings are errors
)

# EXIF orientation → the transpose that shows the picture upright (as ImageOps.exif_transpose).
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION_TAG = 0x0112
_WHITE = (255, 255, 255)
# Enough for one error message in a log line or an import report.
_MAX_DETAIL_CHARS = 200


class CoverArtError(InvalidInput):
    """A picture that cannot be used as cover art; str(error) says why, for the import report.

    The pipeline treats it as non-fatal: the song is imported without art.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def normalise_cover(
    data: bytes,
    sizes: Sequence[int] = COVER_SIZES_PX,
    *,
    max_input_bytes: int = MAX_INPUT_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> list[CoverImage]:
    """Decode a cover picture and encode it as JPEG and WebP at each size (the longer side).

    Returns the images in ascending size, never upscaled (see the module docstring for which
    sizes a small source gives). Raises CoverArtError for empty, oversized, unsupported,
    corrupt or truncated data and for images over `max_pixels`; ValueError for bad `sizes`.
    """
    targets = sorted(set(sizes))
    if not targets or targets[0] < 1:
        raise ValueError(f"sizes must be positive pixel counts, got {list(sizes)}")
    if not data:
        raise CoverArtError("empty image (0 bytes)")
    if len(data) > max_input_bytes:
        raise CoverArtError(
            f"image is {_format_bytes(len(data))}, over the {_format_bytes(max_input_bytes)} limit"
        )
    try:
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as source:
            _check_dimensions(source.size, max_pixels)
            working_px = min(targets[-1], max(source.size))
            # JPEG only (a no-op elsewhere): decode at the smallest 1/2, 1/4 or 1/8 scale that
            # still covers the largest size, so a huge photo never exists at full size.
            source.draft(None, _fit(source.size, working_px))
            source.load()
            picture = _upright_srgb(source, working_px)
    except UnidentifiedImageError:
        raise CoverArtError(
            "not a JPEG, PNG, WebP, GIF or BMP image (unrecognised or unsupported data)"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise CoverArtError(f"refused as a decompression bomb ({_detail(error)})") from None
    except _DECODE_ERRORS as error:
        raise CoverArtError(f"corrupt or truncated image data ({_detail(error)})") from None
    return [_encode(picture, size_px) for size_px in _output_sizes(targets, max(picture.size))]


def find_folder_cover(folder: Path, *, max_bytes: int = MAX_INPUT_BYTES) -> Path | None:
    """The cover file beside the audio in `folder`, or None.

    Names are matched case-insensitively, best first: cover, folder, front, album, albumart,
    each with .jpg, .jpeg, .png, .webp. Hidden files, empty files, files over `max_bytes` and
    anything not a regular file are skipped. A symlink counts only if its target is inside
    `folder` (or below it); the path returned is then the target's, so `read_cover_file` (which
    does not follow a final symlink) reads exactly the file that was checked. An unreadable or
    missing folder gives None.
    """
    try:
        root = folder.resolve(strict=True)
        names = sorted(entry.name for entry in os.scandir(root))
    except OSError:
        return None
    candidates = sorted(
        (_FOLDER_COVER_RANK[name.lower()], name)
        for name in names
        if not name.startswith(".") and name.lower() in _FOLDER_COVER_RANK
    )
    for _, name in candidates:
        chosen = _usable_cover_file(root, root / name, max_bytes)
        if chosen is not None:
            return chosen
    return None


def read_cover_file(path: Path, max_input_bytes: int) -> bytes:
    """Read a cover file, refusing one over `max_input_bytes` without reading it whole.

    Only a regular file is read (a FIFO or device cannot block or flood the reader), and a
    symlink at `path` itself is refused. Raises CoverArtError naming the file and the fault.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise CoverArtError(f"{path.name}: a symlink, not read") from None
        raise CoverArtError(f"{path.name}: cannot open ({error.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise CoverArtError(f"{path.name}: not a regular file")
        if status.st_size > max_input_bytes:
            raise CoverArtError(
                f"{path.name}: {_format_bytes(status.st_size)}, "
                f"over the {_format_bytes(max_input_bytes)} limit"
            )
        try:
            # One byte more than allowed tells a file that grew since fstat from one that fits.
            data = file.read(max_input_bytes + 1)
        except OSError as error:
            raise CoverArtError(f"{path.name}: cannot read ({error.strerror})") from None
    if len(data) > max_input_bytes:
        raise CoverArtError(
            f"{path.name}: over the {_format_bytes(max_input_bytes)} limit (it grew while read)"
        )
    return data


def _usable_cover_file(root: Path, candidate: Path, max_bytes: int) -> Path | None:
    """`candidate`'s real path if it is a regular, non-empty file of at most `max_bytes` in root."""
    try:
        real = candidate.resolve(strict=True)
        status = real.stat()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop on older Pythons
        return None
    if not real.is_relative_to(root):  # a symlink out of the folder
        return None
    if not stat.S_ISREG(status.st_mode) or not 0 < status.st_size <= max_bytes:
        return None
    return real


def _check_dimensions(size: tuple[int, int], max_pixels: int) -> None:
    """Refuse an image whose header claims more pixels than we are willing to decode."""
    width, height = size
    if width < 1 or height < 1:
        raise CoverArtError(f"image has no pixels ({width}×{height})")
    limit = max_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        # Above Pillow's own limit it warns (or raises, when warnings are errors): stay below.
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    if width * height > limit:
        raise CoverArtError(f"image is {width}×{height} px, over the {limit:,}-pixel limit")


def _upright_srgb(source: Image.Image, working_px: int) -> Image.Image:
    """The decoded picture as upright, opaque RGB in sRGB, its longer side at most working_px."""
    orientation = _orientation(source)
    icc_profile = source.info.get("icc_profile")
    picture = _to_resizable_mode(source)
    if max(picture.size) > working_px:
        picture = picture.resize(
            _fit(picture.size, working_px), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
    if orientation in _ORIENTATION_TRANSPOSE:
        picture = picture.transpose(_ORIENTATION_TRANSPOSE[orientation])
    if picture.mode == "RGBA":
        opaque = Image.new("RGB", picture.size, _WHITE)
        opaque.paste(picture, mask=picture.getchannel("A"))
        picture = opaque
    if isinstance(icc_profile, bytes) and icc_profile and picture.mode in ("RGB", "CMYK"):
        picture = _convert_to_srgb(picture, icc_profile)
    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    if picture is source:  # closing the source would take its pixels with it
        picture = source.copy()
    picture.info = {}  # nothing of the source's metadata reaches the encoders
    return picture


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 to 8), or 1 when absent or unreadable."""
    try:
        value = image.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except _DECODE_ERRORS:  # a broken EXIF block costs the rotation, not the picture
        return 1
    return value if isinstance(value, int) else 1


def _to_resizable_mode(image: Image.Image) -> Image.Image:
    """The image in L, RGB, RGBA or CMYK: modes that resize well and convert to RGB simply."""
    mode = image.mode
    if mode in ("I", "F") or mode.startswith("I;"):
        # 16-bit greyscale (PNG): scale to 8 bits; a plain convert would clip it to white.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if "transparency" in image.info and mode in ("1", "L", "P", "RGB"):
        return image.convert("RGBA")
    if mode in ("L", "RGB", "RGBA", "CMYK"):
        return image
    if mode in ("1", "P", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB")
    return image.convert("RGBA")  # LA, La, PA, RGBa, RGBX: whatever carries alpha


def _convert_to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """`image` converted from its embedded profile to sRGB; unchanged if the profile is unusable."""
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image, source_profile, _srgb_profile(), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or mismatched profile (say, a CMYK profile on an RGB image): the pixels are
        # still a picture, shown as if they were sRGB already.
        return image
    return converted if converted is not None else image


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def resize_cover(data: bytes, size_px: int) -> bytes:
    """A stored (normalised) cover scaled down so its longer side is `size_px`, in its own
    format (JPEG or WebP, as stored); never scaled up. Raises CoverArtError."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            image_format = source.format or "JPEG"
            if image_format not in ALLOWED_FORMATS:
                raise CoverArtError(f"stored cover is {image_format}, not a cover format")
            if max(source.size) <= size_px:
                return data
            picture = source.convert("RGB").resize(
                _fit(source.size, size_px), Image.Resampling.LANCZOS, reducing_gap=3.0
            )
    except _DECODE_ERRORS as error:
        raise CoverArtError(f"stored cover cannot be decoded: {_detail(error)}") from None
    out = io.BytesIO()
    if image_format == "WEBP":
        picture.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _output_sizes(targets: Sequence[int], source_px: int) -> list[int]:
    """The sizes to make: each target up to the source's size, plus the source size if smaller."""
    made = [size_px for size_px in targets if size_px <= source_px]
    if targets[-1] > source_px:
        made.append(source_px)
    return made


def _encode(picture: Image.Image, size_px: int) -> CoverImage:
    if max(picture.size) != size_px:
        picture = picture.resize(
            _fit(picture.size, size_px), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    webp = io.BytesIO()
    picture.save(webp, "WEBP", quality=WEBP_QUALITY, method=4)
    return CoverImage(size_px=size_px, jpeg=jpeg.getvalue(), webp=webp.getvalue())


def _fit(size: tuple[int, int], longer_px: int) -> tuple[int, int]:
    """`size` scaled so its longer side is `longer_px`, the shorter side at least 1 px."""
    width, height = size
    if width >= height:
        return longer_px, max(1, round(height * longer_px / width))
    return max(1, round(width * longer_px / height)), longer_px


def _format_bytes(size_bytes: int) -> str:
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.1f} MiB"
    if size_bytes >= 1024:
        return f"{size_bytes / 1024:.1f} KiB"
    return f"{size_bytes} bytes"


def _detail(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= _MAX_DETAIL_CHARS else text[: _MAX_DETAIL_CHARS - 1] + "…"


__all__ = [
    "ALLOWED_FORMATS",
    "COVER_SIZES_PX",
    "MAX_INPUT_BYTES",
    "MAX_PIXELS",
    "CoverArtError",
    "find_folder_cover",
    "normalise_cover",
    "read_cover_file",
    "resize_cover",
]
