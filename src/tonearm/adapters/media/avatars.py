"""Generated avatars: a user's initials on a colour taken from a hash of the username."""

from __future__ import annotations

import colorsys
import hashlib
import io


def render_avatar_png(username: str, size_px: int) -> bytes:
    """A square PNG of `size_px` with up to two initials, white on the user's colour.

    Blocking (Pillow): call it from a thread. The same username always gives the same
    picture, so it can be cached for as long as the account lives.
    """
    from PIL import Image, ImageDraw, ImageFont  # loaded with the first avatar drawn

    digest = hashlib.sha256(username.encode()).digest()
    # Hue from the hash; fixed saturation and lightness keep white text readable.
    red, green, blue = colorsys.hls_to_rgb(digest[0] / 255, 0.42, 0.55)
    background = (int(red * 255), int(green * 255), int(blue * 255))
    image = Image.new("RGB", (size_px, size_px), background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(8, int(size_px * 0.42)))
    text = _initials(username)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    position = ((size_px - (right - left)) / 2 - left, (size_px - (bottom - top)) / 2 - top)
    draw.text(position, text, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _initials(username: str) -> str:
    parts = [part for part in username.replace("_", " ").replace(".", " ").split() if part]
    if len(parts) >= 2:
        return (parts[0][0] + parts[1][0]).upper()
    return (username[:2] or "?").upper()
