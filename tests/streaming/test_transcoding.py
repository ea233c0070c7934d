"""On-the-fly transcodes: real ffmpeg on a local file, a bounded number at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from uuid import uuid4

import pytest

from tests.ingest.audio_factory import make_audio_file
from tests.polling import eventually
from tonearm.adapters.ffmpeg.run import FFmpegFailed
from tonearm.adapters.ffmpeg.transcode import FFmpegTranscoder
from tonearm.streaming import MediaSource, StreamService
from tonearm.streaming.delivery import Transcode, TranscodeCodec
from tonearm.streaming.transcoding import (
    SourceUnreadable,
    TranscodeBusy,
    TranscodeService,
    TranscodeSlots,
    exactly,
)

pytestmark = pytest.mark.anyio


def _job(path: Path, codec: TranscodeCodec = TranscodeCodec.MP3) -> Transcode:
    source = MediaSource(
        uuid4(), "original", "flac", None, path.stat().st_size, datetime.now(UTC), None, str(path)
    )
    return Transcode(source, codec, 96, 0.0, 3000)


def _service(slots: TranscodeSlots) -> TranscodeService:
    # Sources with a local path never touch the stream service.
    return TranscodeService(cast(StreamService, None), lambda: FFmpegTranscoder(None, 60), slots)


async def test_transcodes_beyond_the_slots_wait_for_a_free_one(tmp_path: Path) -> None:
    job = _job(make_audio_file(tmp_path, "flac", seconds=3))
    slots = TranscodeSlots(1)
    transcoding = _service(slots)
    first, second = transcoding.transcode(job), transcoding.transcode(job)
    assert await anext(first)
    assert (slots.in_use, slots.granted) == (1, 1)
    waiting = asyncio.create_task(anext(second))

    async def queued() -> bool:
        return slots.waiting > 0

    await eventually(queued, "the second to wait for a slot")
    assert not waiting.done()
    assert [chunk async for chunk in first]  # the first runs to its end, freeing the slot
    assert await waiting
    assert (slots.in_use, slots.waiting, slots.granted) == (1, 0, 2)
    await second.aclose()  # a client going away stops ffmpeg and frees the slot
    assert slots.in_use == 0


async def test_a_request_waits_for_a_slot_only_so_long(tmp_path: Path) -> None:
    job = _job(make_audio_file(tmp_path, "flac", seconds=3), TranscodeCodec.OPUS)
    slots = TranscodeSlots(1, wait_seconds=0.05)
    transcoding = _service(slots)
    holder = transcoding.transcode(job)
    assert await anext(holder)
    with pytest.raises(TranscodeBusy):
        await anext(transcoding.transcode(job))
    await holder.aclose()
    assert (slots.in_use, slots.waiting) == (0, 0)


async def test_a_source_ffmpeg_cannot_read_fails_before_any_byte(tmp_path: Path) -> None:
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"not audio at all" * 100)
    slots = TranscodeSlots(1)
    with pytest.raises(SourceUnreadable, match=r"could not be read \(ffmpeg exited with") as caught:
        await anext(_service(slots).transcode(_job(broken)))
    assert isinstance(caught.value.__cause__, FFmpegFailed)
    assert slots.in_use == 0


async def test_exactly_cuts_or_pads_to_the_length() -> None:
    async def chunks(*parts: bytes):  # type: ignore[no-untyped-def]
        for part in parts:
            yield part

    assert b"".join([c async for c in exactly(chunks(b"abc", b"def"), 4)]) == b"abcd"
    assert b"".join([c async for c in exactly(chunks(b"ab"), 5)]) == b"ab\0\0\0"
