"""Avatars for apps that show one per user (Subsonic getAvatar): generated, then cached."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tonearm.adapters.cache.base import Cache
from tonearm.errors import InvalidInput
from tonearm.users.service import UserService

# Renders a PNG for a username at a size (blocking: run in a thread).
AvatarRenderer = Callable[[str, int], bytes]

DEFAULT_AVATAR_PX = 128
MAX_AVATAR_PX = 512
AVATAR_TTL_SECONDS = 7 * 24 * 3600


class AvatarService:
    """A user's avatar: initials on a colour from the username, the same every time."""

    def __init__(self, users: UserService, render: AvatarRenderer, cache: Cache) -> None:
        self._users = users
        self._render = render
        self._cache = cache

    async def avatar_png(self, username: str, size_px: int = DEFAULT_AVATAR_PX) -> bytes:
        """The PNG of an existing user's avatar; raises UserNotFound or InvalidInput."""
        if not 16 <= size_px <= MAX_AVATAR_PX:
            raise InvalidInput(f"size {size_px}: must be between 16 and {MAX_AVATAR_PX} pixels")
        user = await self._users.get_user(username)
        key = f"avatar:{user.username}:{size_px}"
        cached = await self._cache.get(key)
        if cached is not None:
            return cached
        png = await asyncio.to_thread(self._render, user.username, size_px)
        await self._cache.set(key, png, ttl_seconds=AVATAR_TTL_SECONDS)
        return png
