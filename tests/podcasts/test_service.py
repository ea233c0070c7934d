"""PodcastService on SQLite with a local feed server: subscribe, refresh (a bad feed marks
its own channel only), download into storage, retention, delete, progress."""

from __future__ import annotations

import uuid

import pytest

from tests.feed_server import FeedServer
from tests.podcasts.conftest import AUDIO
from tonearm.app import Runtime
from tonearm.errors import InvalidInput
from tonearm.podcasts import (
    DOWNLOAD_JOB,
    ChannelExists,
    ChannelNotFound,
    ChannelStatus,
    EpisodeNotDownloaded,
    EpisodeStatus,
)

pytestmark = pytest.mark.anyio


async def stored_bytes(runtime: Runtime, key: str) -> bytes:
    return b"".join([chunk async for chunk in runtime.store.get_range(key)])


async def test_subscribe_reads_the_feed_and_queues_the_newest(
    runtime: Runtime, feed_server: FeedServer
) -> None:
    podcasts = runtime.domains.podcasts
    channel = await podcasts.subscribe(feed_server.feed("/feed.xml", "itunes.xml"))
    assert channel.status is ChannelStatus.COMPLETED
    assert channel.title == "Tonearm Test Radio"
    assert channel.image_url == feed_server.url("/cover.png")
    user = uuid.uuid4()
    episodes = await podcasts.episodes(user, channel.id)
    assert [e.episode.guid for e in episodes] == ["tt-3", "tt-2", "tt-1"]
    # keep_episodes=2: the two newest are claimed and their downloads queued.
    assert [e.episode.status for e in episodes] == [
        EpisodeStatus.DOWNLOADING,
        EpisodeStatus.DOWNLOADING,
        EpisodeStatus.NEW,
    ]
    runs = await runtime.domains.jobs.recent(DOWNLOAD_JOB)
    assert sorted(run.payload["episode_id"] for run in runs) == sorted(
        str(e.episode.id) for e in episodes[:2]
    )
    with pytest.raises(ChannelExists):
        await podcasts.subscribe(feed_server.url("/feed.xml"))


async def test_download_streams_into_storage_and_plays(
    runtime: Runtime, feed_server: FeedServer
) -> None:
    podcasts = runtime.domains.podcasts
    channel = await podcasts.subscribe(feed_server.feed("/feed.xml", "itunes.xml"))
    user = uuid.uuid4()
    oldest = (await podcasts.episodes(user, channel.id))[-1].episode
    with pytest.raises(EpisodeNotDownloaded):
        await podcasts.stream_source(user, oldest.id)
    done = await podcasts.download(oldest.id)
    assert done.status is EpisodeStatus.COMPLETED
    assert done.size_bytes == len(AUDIO[1])
    assert done.storage_key == f"podcasts/{channel.id}/{oldest.id}.mp3"
    assert await stored_bytes(runtime, done.storage_key) == AUDIO[1]
    seen = await podcasts.episode(user, oldest.id)
    assert seen.stream_url is not None and seen.stream_url.startswith(
        f"/api/podcasts/media/{oldest.id}?t="
    )
    token = seen.stream_url.split("?t=", 1)[1]
    source, grant = await podcasts.resolve_media(token, oldest.id)
    assert source.storage_key == done.storage_key and grant.user_id == user
    assert source.content_type == "audio/mpeg"


async def test_an_enclosure_over_the_cap_is_an_episode_error(
    runtime: Runtime, feed_server: FeedServer
) -> None:
    feed_server.route("/audio/1.mp3", body=b"x" * 2_000_000, content_type="audio/mpeg")
    podcasts = runtime.domains.podcasts
    channel = await podcasts.subscribe(feed_server.feed("/feed.xml", "itunes.xml"))
    oldest = (await podcasts.episodes(uuid.uuid4(), channel.id))[-1].episode
    failed = await podcasts.download(oldest.id)
    assert failed.status is EpisodeStatus.ERROR
    assert failed.error is not None and "limit is 1000000 bytes" in failed.error
    assert [info async for info in runtime.store.list("podcasts/")] == []


async def test_a_bad_feed_marks_its_channel_and_the_others_refresh(
    runtime: Runtime, feed_server: FeedServer
) -> None:
    podcasts = runtime.domains.podcasts
    good = await podcasts.subscribe(feed_server.feed("/good.xml", "atom.xml"))
    bomb = await podcasts.subscribe(feed_server.feed("/bomb.xml", "billion_laughs.xml"))
    assert bomb.status is ChannelStatus.ERROR
    assert bomb.error is not None and "entities" in bomb.error
    gone = await podcasts.subscribe(feed_server.url("/missing.xml"))
    assert gone.status is ChannelStatus.ERROR and "HTTP 404" in (gone.error or "")
    feed_server.feed("/good.xml", "itunes.xml")  # the good feed gains episodes
    result = await podcasts.refresh_all()
    assert result["refreshed"] == 1 and result["failed"] == 2
    assert (await podcasts.channel(good.id)).status is ChannelStatus.COMPLETED
    assert len(await podcasts.episodes(uuid.uuid4(), good.id)) == 4  # 1 Atom + 3 RSS


async def test_retention_removes_files_beyond_the_newest(
    runtime: Runtime, feed_server: FeedServer
) -> None:
    podcasts = runtime.domains.podcasts
    channel = await podcasts.subscribe(feed_server.feed("/feed.xml", "itunes.xml"))
    user = uuid.uuid4()
    for listed in await podcasts.episodes(user, channel.id):
        await podcasts.download(listed.episode.id)
    assert len([info async for info in runtime.store.list("podcasts/")]) == 3
    result = await podcasts.refresh_all()
    assert result["removed"] == 1
    statuses = [e.episode.status for e in await podcasts.episodes(user, channel.id)]
    assert statuses == [EpisodeStatus.COMPLETED, EpisodeStatus.COMPLETED, EpisodeStatus.DELETED]
    assert len([info async for info in runtime.store.list("podcasts/")]) == 2


async def test_delete_episode_and_unsubscribe(runtime: Runtime, feed_server: FeedServer) -> None:
    podcasts = runtime.domains.podcasts
    channel = await podcasts.subscribe(feed_server.feed("/feed.xml", "itunes.xml"))
    user = uuid.uuid4()
    first = (await podcasts.episodes(user, channel.id))[0].episode
    await podcasts.download(first.id)
    deleted = await podcasts.delete_episode(first.id)
    assert deleted.status is EpisodeStatus.DELETED and deleted.storage_key is None
    assert [info async for info in runtime.store.list("podcasts/")] == []
    await podcasts.download((await podcasts.request_download(first.id)).id)
    assert len([info async for info in runtime.store.list("podcasts/")]) == 1
    await podcasts.unsubscribe(channel.id)
    assert [info async for info in runtime.store.list("podcasts/")] == []
    with pytest.raises(ChannelNotFound):
        await podcasts.channel(channel.id)


async def test_progress_is_per_user(runtime: Runtime, feed_server: FeedServer) -> None:
    podcasts = runtime.domains.podcasts
    users = runtime.domains.users
    alice = await users.add_user("alice", "correct horse battery")
    bob = await users.add_user("bob", "correct horse battery")
    channel = await podcasts.subscribe(feed_server.feed("/feed.xml", "itunes.xml"))
    episode = (await podcasts.episodes(alice.id, channel.id))[0].episode
    await podcasts.save_progress(alice.id, episode.id, 61_000)
    await podcasts.save_progress(alice.id, episode.id, 62_000, played=True)
    await podcasts.save_progress(alice.id, episode.id, 63_000)
    mine = (await podcasts.episode(alice.id, episode.id)).progress
    assert mine is not None and (mine.position_ms, mine.played) == (63_000, True)
    assert (await podcasts.episode(bob.id, episode.id)).progress is None
    with pytest.raises(InvalidInput):
        await podcasts.save_progress(alice.id, episode.id, -1)


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "javascript:alert(1)", "http://"])
async def test_bad_urls_are_refused_before_anything_is_stored(runtime: Runtime, url: str) -> None:
    with pytest.raises(InvalidInput):
        await runtime.domains.podcasts.subscribe(url)
    assert await runtime.domains.podcasts.channels() == []
