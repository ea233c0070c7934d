"""Blocking media helpers (mutagen tags, Pillow images); call them through asyncio.to_thread."""
