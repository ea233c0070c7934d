"""Stream URLs: choose the rendition, sign a URL, cache it; check tokens before serving."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from tonearm.adapters.cache.base import Cache
from tonearm.adapters.storage.base import ObjectStore
from tonearm.errors import BadCredentials
from tonearm.library.models import RenditionPolicy, SongNotFound
from tonearm.library.paths import text_to_path
from tonearm.streaming.delivery import needless_for
from tonearm.streaming.edge import EdgeLinks
from tonearm.streaming.models import (
    RENDITION_FORMATS,
    WAVEFORM_KIND,
    FileReader,
    MediaCatalog,
    MediaNotFound,
    MediaSource,
    PendingRendition,
    SongMedia,
    StreamTicket,
)
from tonearm.streaming.quality import (
    LADDER,
    ClientConditions,
    Quality,
    QualityPreferences,
    best_present,
    choose_auto,
)
from tonearm.streaming.tokens import MediaGrant, MediaTokens

Clock = Callable[[], datetime]


class QualityPreferenceSource(Protocol):
    """Where users' quality preferences come from (the listening domain's preferences)."""

    async def quality_preferences(self, user_id: UUID) -> QualityPreferences:
        """The quality part of a user's preferences."""
        ...


class ShareScope(Protocol):
    """Whether a share-scoped media URL may still play (the sharing domain's shares)."""

    async def plays_song(self, share_id: UUID, song_id: UUID, now: datetime) -> bool:
        """Whether the share exists, has not expired at `now` and holds the song."""
        ...


MEDIA_PATH = "/api/media"


@dataclass(frozen=True, slots=True)
class StreamingPolicy:
    """Lifetimes and thresholds, from settings."""

    url_ttl: timedelta = timedelta(minutes=30)
    # A cached URL is handed out only while it has at least this long left to live.
    url_cache_margin: timedelta = timedelta(minutes=5)
    art_ttl: timedelta = timedelta(days=7)
    # Songs with more plays may be cached at a CDN edge without the token; 0: never.
    edge_cache_min_plays: int = 0
    # When renditions are made: for songs read in place (scanned) and for songs whose
    # original is in storage (imported, uploaded). See rendition_policy().
    scan_renditions: RenditionPolicy = RenditionPolicy.ON_DEMAND
    import_renditions: RenditionPolicy = RenditionPolicy.EAGER
    # The full renditions this server makes at all (TONEARM_RENDITIONS): only those are
    # ever made on demand.
    made_kinds: frozenset[str] = frozenset(RENDITION_FORMATS)

    def rendition_policy(self, media: SongMedia) -> RenditionPolicy:
        """The song's policy: scanned songs (original read in place) follow scan_renditions,
        songs whose original is in storage import_renditions."""
        original = media.original
        if original is not None and original.storage_key is None:
            return self.scan_renditions
        return self.import_renditions

    def pending(self, media: SongMedia, kind: str) -> PendingRendition | None:
        """`kind` of the song as a rendition to make now, or None when it is stored, cannot
        be made (no original, the preview, a kind this server does not make, a same-codec
        tier at or above the original's bitrate) or the song's policy is `off`. An `eager`
        song lacking it (enrichment has not reached it, or tiering dropped it) is served
        like `on_demand`: the same tier, made once."""
        rendition = RENDITION_FORMATS.get(kind)
        if (
            rendition is None
            or kind in media.objects
            or kind not in self.made_kinds
            or media.original is None
            or self.rendition_policy(media) is RenditionPolicy.OFF
            or kind in needless_for(media)
        ):
            return None
        return PendingRendition(media.song_id, rendition, media.original, media.duration_ms)


def served_quality(media: SongMedia, wanted: Quality, *, plays_opus: bool) -> Quality:
    """What serves a request for `wanted`: the tier if stored, else the nearest present one
    (best_present). A tier the song never gets (needless_for) is served by the original's
    stand-in when there is one (a rendition row naming the original), else by the original
    itself: it is the best there is, and any tier below is worse."""
    present = set(media.objects)
    needless = needless_for(media)
    if wanted.value in needless and wanted.value not in present:
        stand_ins = [q for q in LADDER if q.value in needless and q.value in present]
        return stand_ins[-1] if stand_ins else Quality.ORIGINAL
    return best_present(wanted, present, plays_opus=plays_opus)


def url_cache_key(song_id: UUID, user_id: UUID, quality: str) -> str:
    """The `cdn:urls:` family: one signed URL per song, user and requested quality."""
    return f"cdn:urls:{song_id}:{user_id}:{quality}"


class NoPreferences:
    """Every user on the defaults (tests and tools that build streaming alone)."""

    async def quality_preferences(self, user_id: UUID) -> QualityPreferences:
        """The default preferences."""
        return QualityPreferences()


class NoShares:
    """No share-scoped URL plays (tests and tools that build streaming alone)."""

    async def plays_song(self, share_id: UUID, song_id: UUID, now: datetime) -> bool:
        """Never."""
        return False


class StreamService:
    """Signed URLs for songs' objects, and the checks made before serving them."""

    def __init__(
        self,
        catalog: MediaCatalog,
        store: ObjectStore,
        files: FileReader,
        cache: Cache,
        tokens: MediaTokens,
        *,
        policy: StreamingPolicy | None = None,
        preferences: QualityPreferenceSource | None = None,
        shares: ShareScope | None = None,
        edge: EdgeLinks | None = None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._files = files
        self._cache = cache
        self._tokens = tokens
        self._policy = policy or StreamingPolicy()
        self._preferences = preferences or NoPreferences()
        self._shares = shares or NoShares()
        self._edge = edge
        self._clock = clock

    def now(self) -> datetime:
        """The service's clock (tests inject one)."""
        return self._clock()

    @property
    def policy(self) -> StreamingPolicy:
        """Lifetimes, thresholds and rendition policies in force."""
        return self._policy

    @policy.setter
    def policy(self, policy: StreamingPolicy) -> None:
        self._policy = policy

    async def share_ticket(
        self, owner_id: UUID, song_id: UUID, share_id: UUID, share_expires_at: datetime | None
    ) -> StreamTicket:
        """A signed URL that plays the song for visitors of a public share.

        It serves the medium rendition (else the nearest stored one a browser plays, never
        Opus-only), lives for the usual URL lifetime but never past the share's expiry, and
        every request checks that the share still exists and holds the song, so deleting or
        expiring the share stops it at once. Not cached: each page view signs its own.
        """
        media = await self._live_media(song_id)
        served = served_quality(media, Quality.MEDIUM, plays_opus=False)
        source = media.original if served is Quality.ORIGINAL else media.objects[served.value]
        if source is None:
            raise MediaNotFound(song_id, served.value)
        expires_at = self._clock() + self._policy.url_ttl
        if share_expires_at is not None:
            expires_at = min(expires_at, share_expires_at)
        return StreamTicket(
            path=self._signed_path(owner_id, media, source.kind, expires_at, share_id=share_id),
            quality=served.value,
            codec=source.codec,
            bitrate_kbps=source.bitrate_kbps,
            size_bytes=source.size_bytes,
            expires_at=expires_at,
        )

    async def share_art_path(
        self,
        owner_id: UUID,
        song_id: UUID,
        share_id: UUID,
        share_expires_at: datetime | None,
        size_px: int,
    ) -> str | None:
        """A signed URL path of the song's cover nearest `size_px` for a share's visitors
        (checked against the share like its audio), or None when the song has no cover."""
        media = await self._live_media(song_id)
        kind = _nearest_art(media, size_px)
        if kind is None:
            return None
        expires_at = self._clock() + self._policy.url_ttl
        if share_expires_at is not None:
            expires_at = min(expires_at, share_expires_at)
        return self._signed_path(owner_id, media, kind, expires_at, share_id=share_id)

    async def stream_ticket(
        self, user_id: UUID, song_id: UUID, quality: Quality, conditions: ClientConditions
    ) -> StreamTicket:
        """A signed URL for the song in the quality asked for (`auto`: by the rule).

        A URL signed earlier for the same user, song and resolved quality is reused while it
        has more than the cache margin left: a repeated tap costs no query and no signing.
        """
        wanted = quality
        if quality is Quality.AUTO:
            wanted = choose_auto(conditions, await self._preferences.quality_preferences(user_id))
        key = url_cache_key(
            song_id, user_id, f"{wanted.value}{'+opus' if conditions.plays_opus else ''}"
        )
        cached = await self._cache.get(key)
        if cached is not None:
            return _ticket_from_json(cached)
        media = await self._live_media(song_id)
        now = self._clock()
        expires_at = now + self._policy.url_ttl
        pending = self._policy.pending(media, wanted.value)
        if pending is not None:
            # The asked tier, not yet made: the URL makes it on a plain GET. Not cached: once
            # it is stored, the next ticket states its real size.
            return StreamTicket(
                path=self._signed_path(user_id, media, wanted.value, expires_at),
                quality=wanted.value,
                codec=pending.format.codec,
                bitrate_kbps=pending.format.bitrate_kbps,
                size_bytes=pending.format.estimated_bytes(media.duration_ms),
                expires_at=expires_at,
                pending=True,
            )
        served = served_quality(media, wanted, plays_opus=conditions.plays_opus)
        source = media.original if served is Quality.ORIGINAL else media.objects[served.value]
        if source is None:
            raise MediaNotFound(song_id, served.value)
        path = None
        if self._edge is not None:
            # Edge mode: a URL nginx checks and serves on its own (streaming/edge.py).
            path = await self._edge.path(source, user_id, expires_at)
        ticket = StreamTicket(
            path=path or self._signed_path(user_id, media, source.kind, expires_at),
            quality=served.value,
            codec=source.codec,
            bitrate_kbps=source.bitrate_kbps,
            size_bytes=source.size_bytes,
            expires_at=expires_at,
        )
        ttl = (self._policy.url_ttl - self._policy.url_cache_margin).total_seconds()
        if ttl > 0:
            await self._cache.set(key, _ticket_to_json(ticket), ttl_seconds=ttl)
        return ticket

    async def art_path(self, user_id: UUID, song_id: UUID, size_px: int) -> str:
        """A signed, long-lived URL path of the stored cover nearest `size_px` (≥ it if any).

        The expiry is rounded to a whole day, so the same URL comes back all day long and
        browsers and CDNs can keep the image.
        """
        media = await self._live_media(song_id)
        kind = _nearest_art(media, size_px)
        if kind is None:
            raise MediaNotFound(song_id, "cover art")
        return self._signed_path(user_id, media, kind, self._day_rounded_expiry())

    async def waveform(self, song_id: UUID) -> MediaSource:
        """The song's stored waveform peaks object."""
        media = await self._live_media(song_id)
        source = media.objects.get(WAVEFORM_KIND)
        if source is None:
            raise MediaNotFound(song_id, "waveform")
        return source

    async def song_media(self, song_id: UUID) -> SongMedia:
        """Everything stored for a live song; raises SongNotFound."""
        return await self._live_media(song_id)

    def pending(self, media: SongMedia, kind: str) -> PendingRendition | None:
        """`kind` as a rendition to make now (see StreamingPolicy.pending), or None."""
        return self._policy.pending(media, kind)

    async def stored_or_original(self, pending: PendingRendition) -> MediaSource:
        """What to send in place of a pending rendition that this request may not encode: the
        rendition if it was stored meanwhile, else the original."""
        media = await self._catalog.song_media(pending.song_id)
        if media is not None:
            stored = media.objects.get(pending.format.kind)
            if stored is not None:
                return stored
        return pending.original

    async def authorize(
        self, token: str, song_id: UUID, kind: str
    ) -> tuple[MediaSource, MediaGrant]:
        """The object a media token grants, checked: signature, expiry, song, kind, and an
        account that is still active. Raises BadCredentials or MediaNotFound."""
        source, grant = await self.resolve(token, song_id, kind, allow_pending=False)
        assert isinstance(source, MediaSource)
        return source, grant

    async def resolve(
        self, token: str, song_id: UUID, kind: str, *, allow_pending: bool = True
    ) -> tuple[MediaSource | PendingRendition, MediaGrant]:
        """Like authorize, but a rendition that is not stored and may be made now comes back
        as a PendingRendition (the media endpoint encodes it, or serves the original)."""
        now = self._clock()
        grant = self._tokens.verify(token, song_id, kind, now)
        if grant.share_id is not None and not await self._shares.plays_song(
            grant.share_id, song_id, now
        ):
            raise BadCredentials("this share has expired or was deleted")
        active, source = await self._catalog.media_source(song_id, kind, grant.user_id)
        if not active:
            raise BadCredentials("account disabled or removed")
        if source is None and allow_pending and kind in RENDITION_FORMATS:
            media = await self._catalog.song_media(song_id)
            if media is not None and not media.deleted:
                stored = media.objects.get(kind)
                pending = self._policy.pending(media, kind)
                if stored is not None:
                    return stored, grant
                if pending is not None:
                    return pending, grant
        if source is None:
            # The object went (storage tiering) after this URL was signed, perhaps after its
            # cache entry was dropped, too: drop this user's cached URLs for the song, so
            # asking again signs a URL for the best rendition still present.
            await self.forget_urls(song_id, [grant.user_id], [quality.value for quality in Quality])
            raise MediaNotFound(song_id, kind)
        return source, grant

    def read(self, source: MediaSource, start: int, end: int | None) -> AsyncIterator[bytes]:
        """The object's bytes `start`..`end` inclusive, streamed."""
        if source.storage_key is not None:
            return self._store.get_range(source.storage_key, start, end)
        assert source.path is not None
        # The stored text of the path gives back its exact bytes (a non-UTF-8 name too).
        return self._files.read_range(str(text_to_path(source.path)), start, end)

    async def edge_path(self, source: MediaSource, user_id: UUID) -> str | None:
        """In edge mode, a URL path the edge checks and serves itself, living the usual URL
        lifetime; None in other modes or for an object the edge cannot reach."""
        if self._edge is None:
            return None
        return await self._edge.path(source, user_id, self._clock() + self._policy.url_ttl)

    async def presigned_url(self, source: MediaSource, expires_at: datetime) -> str | None:
        """A bucket URL serving the object until about `expires_at`; None when the object is
        not in a bucket that can presign (local disk, or an original read in place)."""
        if source.storage_key is None:
            return None
        seconds = max(1, math.ceil((expires_at - self._clock()).total_seconds()))
        return await self._store.presigned_get_url(source.storage_key, seconds)

    async def forget_urls(self, song_id: UUID, user_ids: list[UUID], qualities: list[str]) -> None:
        """Drop cached signed URLs (when a rendition is removed)."""
        keys = [
            url_cache_key(song_id, user_id, f"{quality}{suffix}")
            for user_id in user_ids
            for quality in qualities
            for suffix in ("", "+opus")
        ]
        if keys:
            await self._cache.delete(*keys)

    async def _live_media(self, song_id: UUID) -> SongMedia:
        media = await self._catalog.song_media(song_id)
        if media is None or media.deleted:
            raise SongNotFound(song_id)
        return media

    def _signed_path(
        self,
        user_id: UUID,
        media: SongMedia,
        kind: str,
        expires_at: datetime,
        *,
        share_id: UUID | None = None,
    ) -> str:
        threshold = self._policy.edge_cache_min_plays
        grant = MediaGrant(
            song_id=media.song_id,
            kind=kind,
            user_id=user_id,
            expires_at=expires_at,
            # A CDN keeping a share's bytes past its deletion would defeat the check.
            edge_cacheable=share_id is None and threshold > 0 and media.play_count > threshold,
            share_id=share_id,
        )
        return f"{MEDIA_PATH}/{media.song_id}/{kind}?t={self._tokens.sign(grant)}"

    def _day_rounded_expiry(self) -> datetime:
        now = self._clock()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight + timedelta(days=1) + self._policy.art_ttl


def _nearest_art(media: SongMedia, size_px: int) -> str | None:
    """The stored cover kind nearest `size_px` (the smallest at least that big, else the
    biggest), None when there is none."""
    covers = [(_art_size(kind), kind) for kind in media.objects if kind.startswith("art-")]
    if not covers:
        return None
    bigger = sorted((size, kind) for size, kind in covers if size >= size_px)
    return (bigger[0] if bigger else max(covers))[1]


def _art_size(kind: str) -> int:
    # art-<size>-<format>
    return int(kind.split("-")[1])


def _ticket_to_json(ticket: StreamTicket) -> bytes:
    return json.dumps(
        {
            "path": ticket.path,
            "quality": ticket.quality,
            "codec": ticket.codec,
            "bitrate_kbps": ticket.bitrate_kbps,
            "size_bytes": ticket.size_bytes,
            "expires_at": ticket.expires_at.isoformat(),
            "pending": ticket.pending,
        }
    ).encode()


def _ticket_from_json(raw: bytes) -> StreamTicket:
    data = json.loads(raw)
    return StreamTicket(
        path=data["path"],
        quality=data["quality"],
        codec=data["codec"],
        bitrate_kbps=data["bitrate_kbps"],
        size_bytes=data["size_bytes"],
        expires_at=datetime.fromisoformat(data["expires_at"]),
        pending=bool(data.get("pending", False)),
    )


__all__ = [
    "MEDIA_PATH",
    "QualityPreferenceSource",
    "ShareScope",
    "StreamService",
    "StreamingPolicy",
    "url_cache_key",
]
