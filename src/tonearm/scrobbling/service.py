"""Scrobbling out: connect ListenBrainz and Last.fm, queue counted plays and loves, deliver.

Counted plays (listening/plays.py decides them) reach `plays_counted` right after the
transaction that counted them and are queued in the outbox keyed by the play's row id, so a
play is queued once however often it is reported. `deliver` (the `scrobbling.deliver` job)
sends each connection's queue in batches, oldest first, and marks a batch sent only after
the service answered 2xx: a crash between the two resends that one batch at most, and
never anything else. A service that is down or rate-limits is retried with exponential
backoff (1 minute doubling to an hour, for as long as it takes); one that refuses the token
or session pauses the connection until the user connects again, keeping the queue.

"Now playing" is best effort: sent at once, in the background, and forgotten on failure.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from tonearm.adapters.cache.base import Cache, LockNotAcquired
from tonearm.errors import InvalidInput
from tonearm.listening.models import CountedPlay
from tonearm.scrobbling.clients import LastfmAccounts, ListenBrainzAccounts, ScrobbleClient
from tonearm.scrobbling.models import (
    Connection,
    ConnectionState,
    CredentialsRejected,
    InvalidScrobbleToken,
    NotConnected,
    PlayToSend,
    ScrobbleTarget,
    ScrobbleTargetUnavailable,
    ServiceUnreachable,
    Submission,
    SubmissionKind,
    SubmissionRefused,
    TargetStatus,
    Track,
)
from tonearm.scrobbling.repository import ScrobbleRepository
from tonearm.scrobbling.secrets import SecretBox

log = structlog.get_logger(__name__)

# Now playing is worth sending only for a song that started a moment ago.
NOW_PLAYING_WINDOW = timedelta(minutes=10)
NOW_PLAYING_TIMEOUT_SECONDS = 5.0
LASTFM_STATE_TTL = timedelta(minutes=30)
# Whether a user has any connection, remembered in the cache: most users have none, and
# an event batch should not pay a query to learn that. Set on connect, dropped on
# disconnect; the TTL bounds how long another process with its own in-memory cache may
# miss a new connection.
CONNECTED_TTL_SECONDS = 600
# Sent submissions are kept this long (a look at what went out), then deleted.
KEEP_SENT = timedelta(days=7)
# How far back each delivery run looks for counted plays that were never queued.
CATCH_UP = timedelta(days=1)
MAX_TOKEN_CHARS = 200


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long a connection waits after failed deliveries in a row: `first` doubling up to
    `longest`; never given up."""

    first: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(hours=1)

    def wait(self, failures: int, hint_seconds: float | None = None) -> timedelta:
        """The wait after the `failures`-th failure in a row (the service's own hint, such
        as Retry-After, when longer)."""
        backoff: timedelta = min(self.longest, self.first * 2 ** max(0, failures - 1))
        if hint_seconds is not None:
            backoff = max(backoff, timedelta(seconds=min(hint_seconds, 86400)))
        return backoff


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one `deliver` did."""

    sent: int = 0
    failed_connections: int = 0
    paused_connections: int = 0


class ScrobbleService:
    """Users' scrobbling connections, the outbox and its delivery (module docstring)."""

    def __init__(
        self,
        repository: ScrobbleRepository,
        clients: Mapping[ScrobbleTarget, ScrobbleClient],
        cache: Cache,
        *,
        listenbrainz: ListenBrainzAccounts,
        lastfm: LastfmAccounts | None,
        state_key: bytes,
        retry: RetryPolicy = RetryPolicy(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._on_close = on_close
        self._repository = repository
        self._clients = clients
        self._cache = cache
        self._listenbrainz = listenbrainz
        self._lastfm = lastfm
        self._state_key = hashlib.sha256(b"tonearm-lastfm-state:" + state_key).digest()
        self._box = SecretBox(state_key)
        self._retry = retry
        self._clock = clock
        self._background: set[asyncio.Task[None]] = set()

    # Connections ---------------------------------------------------------------------------

    async def status(self, user_id: UUID) -> list[TargetStatus]:
        """Each service's state for the user: connected as whom, queued, last sent, error."""
        connections = {c.target: c for c in await self._repository.connections(user_id)}
        statuses = []
        for target in ScrobbleTarget:
            available = target is not ScrobbleTarget.LASTFM or self._lastfm is not None
            connection = connections.get(target)
            if connection is None:
                statuses.append(TargetStatus(target, available, connected=False))
                continue
            statuses.append(
                TargetStatus(
                    target,
                    available,
                    connected=True,
                    account_name=connection.account_name,
                    state=connection.state,
                    last_error=connection.last_error,
                    last_sent_at=connection.last_sent_at,
                    retry_at=connection.retry_at,
                    queued=await self._repository.queued_count(user_id, target),
                )
            )
        return statuses

    async def connect_listenbrainz(self, user_id: UUID, token: str) -> TargetStatus:
        """Check the user token with ListenBrainz and keep it; raises InvalidScrobbleToken
        (refused), ServiceUnreachable."""
        token = token.strip()
        if not _plain_token(token):
            raise InvalidInput(f"token: 1–{MAX_TOKEN_CHARS} printable ASCII characters")
        name = await self._listenbrainz.validate_token(token)
        await self._save(user_id, ScrobbleTarget.LISTENBRAINZ, name, token)
        return await self._status_of(user_id, ScrobbleTarget.LISTENBRAINZ)

    def lastfm_authorize_url(self, user_id: UUID, callback_url: str) -> str:
        """Where to send the user to approve tonearm on Last.fm; Last.fm then sends them to
        `callback_url` (with a signed `state` naming this user, valid 30 minutes) and a
        token. Raises ScrobbleTargetUnavailable without an API key."""
        lastfm = self._lastfm_accounts()
        expires = int((self._clock() + LASTFM_STATE_TTL).timestamp())
        state = f"{user_id}.{expires}"
        state = f"{state}.{self._sign(state)}"
        separator = "&" if "?" in callback_url else "?"
        return lastfm.authorize_url(f"{callback_url}{separator}state={state}")

    async def finish_lastfm(self, state: str, token: str) -> TargetStatus:
        """Trade the token Last.fm sent back for a session key and keep it, for the user
        `state` names; raises InvalidScrobbleToken (bad or expired state, refused token)."""
        lastfm = self._lastfm_accounts()
        user_id = self._user_of_state(state)
        if not _plain_token(token):
            raise InvalidScrobbleToken("token: missing, too long or not printable ASCII")
        name, session_key = await lastfm.session_for(token)
        await self._save(user_id, ScrobbleTarget.LASTFM, name, session_key)
        return await self._status_of(user_id, ScrobbleTarget.LASTFM)

    async def disconnect(self, user_id: UUID, target: ScrobbleTarget) -> None:
        """Forget the connection and whatever was still queued for it; raises NotConnected."""
        removed = await self._repository.remove_connection(user_id, target)
        await self._cache.delete(_connected_key(user_id))
        if not removed:
            raise NotConnected(target)
        log.info("scrobbling.disconnected", user_id=str(user_id), service=target.value)

    # What listening reports ------------------------------------------------------------------

    async def plays_counted(self, user_id: UUID, plays: Sequence[CountedPlay]) -> None:
        """Queue the plays that just counted for each of the user's services."""
        to_send = [
            PlayToSend(play.play_id, play.song_id, play.played_at)
            for play in plays
            if play.play_id is not None
        ]
        if not to_send or not await self._connected(user_id):
            return
        queued = await self._repository.queue_plays(user_id, to_send, self._clock())
        if queued:
            log.info("scrobbling.queued", user_id=str(user_id), listens=queued)

    async def song_loved(self, user_id: UUID, song_id: UUID, loved: bool) -> None:
        """Queue a love (or unlove) of the song for each of the user's services."""
        kind = SubmissionKind.LOVE if loved else SubmissionKind.UNLOVE
        if not await self._connected(user_id):
            return
        await self._repository.queue_love(user_id, song_id, kind, self._clock())

    async def playing_now(self, user_id: UUID, song_id: UUID, started_at: datetime) -> None:
        """Tell the user's services the song is playing, in the background, best effort."""
        if self._clock() - started_at > NOW_PLAYING_WINDOW or not await self._connected(user_id):
            return
        connections = [
            opened
            for c in await self._repository.connections(user_id)
            if c.state is ConnectionState.ACTIVE and c.target in self._clients
            if (opened := self._opened(c)) is not None
        ]
        if not connections:
            return
        track = await self._repository.song_track(song_id)
        if track is None:
            return
        for connection in connections:
            client = self._clients[connection.target]
            task = asyncio.create_task(self._send_playing_now(client, connection, track))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def settle_background(self) -> None:
        """Wait for the now-playing sends under way (shutdown, tests)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def close(self) -> None:
        """Let the now-playing sends finish, then close the HTTP client."""
        await self.settle_background()
        if self._on_close is not None:
            await self._on_close()

    # Delivery ------------------------------------------------------------------------------

    async def deliver(self) -> DeliveryReport:
        """Send every due connection's queue; see the module docstring."""
        now = self._clock()
        sent = failed = paused = 0
        # Counting a play and queuing it are two transactions: what a stop between them
        # left out is queued here (well inside the time sent rows are kept, so none twice).
        missed = await self._repository.queue_missed_plays(now - CATCH_UP, now)
        if missed:
            log.warning("scrobbling.queued_missed_plays", listens=missed)
        for sealed in await self._repository.due(now):
            if sealed.target not in self._clients:
                continue
            connection = self._opened(sealed)
            if connection is None:
                await self._repository.record_failure(
                    sealed.user_id,
                    sealed.target,
                    "the server's secret key changed since connecting: connect again",
                    None,
                    pause=True,
                )
                paused += 1
                continue
            try:
                lock = self._cache.lock(
                    f"scrobbling:deliver:{connection.user_id}:{connection.target.value}",
                    expire_seconds=300,
                )
                async with lock:
                    outcome = await self._deliver(connection)
            except LockNotAcquired:
                continue  # another worker is delivering this queue right now
            sent += outcome.sent
            failed += outcome.failed_connections
            paused += outcome.paused_connections
        await self._repository.forget_sent(now - KEEP_SENT)
        return DeliveryReport(sent, failed, paused)

    async def _deliver(self, connection: Connection) -> DeliveryReport:
        client = self._clients[connection.target]
        user_id, target = connection.user_id, connection.target
        sent = 0
        while True:
            batch = _first_run(await self._repository.unsent(user_id, target, client.max_batch))
            if not batch:
                return DeliveryReport(sent)
            try:
                done, refusal = await self._send(client, connection, batch)
            except CredentialsRejected as error:
                await self._repository.record_failure(
                    user_id, target, error.message, None, pause=True
                )
                log.warning("scrobbling.paused", user_id=str(user_id), service=target.value)
                return DeliveryReport(sent, paused_connections=1)
            except ServiceUnreachable as error:
                failures = connection.failures + 1
                retry_at = self._clock() + self._retry.wait(failures, error.retry_after_seconds)
                await self._repository.record_failure(
                    user_id, target, error.message, retry_at, pause=False
                )
                log.info(
                    "scrobbling.retry_later",
                    user_id=str(user_id),
                    service=target.value,
                    failures=failures,
                    retry_at=retry_at.isoformat(),
                    error=error.message,
                )
                return DeliveryReport(sent, failed_connections=1)
            await self._repository.mark_sent(user_id, target, done, self._clock(), refusal)
            sent += len(done)
            log.info("scrobbling.sent", user_id=str(user_id), service=target.value, items=len(done))

    async def _send(
        self, client: ScrobbleClient, connection: Connection, batch: list[Submission]
    ) -> tuple[list[int], str | None]:
        """Deliver one batch; returns the ids it settled, and the service's refusal when it
        refused them (they leave the queue: sending them again would change nothing)."""
        ids = [item.id for item in batch]
        if batch[0].kind is SubmissionKind.LISTEN:
            # What a delivery cut short (a crash after the service took it, before the queue
            # said so) may already have delivered: asked, and not sent twice.
            maybe_sent = [item for item in batch if item.attempted]
            known = await client.recorded(connection.account_name, connection.secret, maybe_sent)
            batch = [item for item in batch if item.id not in known]
        await self._repository.mark_attempted([item.id for item in batch], self._clock())
        try:
            if not batch:
                pass
            elif batch[0].kind is SubmissionKind.LISTEN:
                await client.submit_listens(connection.secret, batch)
            else:
                loved = batch[0].kind is SubmissionKind.LOVE
                await client.love(connection.secret, batch[0].track, loved)
        except SubmissionRefused as error:
            log.warning("scrobbling.refused", service=connection.target.value, error=error.message)
            return ids, error.message
        return ids, None

    # Helpers -------------------------------------------------------------------------------

    async def _send_playing_now(
        self, client: ScrobbleClient, connection: Connection, track: Track
    ) -> None:
        try:
            async with asyncio.timeout(NOW_PLAYING_TIMEOUT_SECONDS):
                await client.playing_now(connection.secret, track)
        except (TimeoutError, CredentialsRejected, ServiceUnreachable) as error:
            log.info(
                "scrobbling.now_playing_failed", service=connection.target.value, error=str(error)
            )

    async def _save(self, user_id: UUID, target: ScrobbleTarget, name: str, secret: str) -> None:
        await self._repository.save_connection(
            Connection(
                user_id=user_id,
                target=target,
                account_name=name,
                secret=self._box.seal(secret),
                state=ConnectionState.ACTIVE,
                connected_at=self._clock(),
            )
        )
        await self._cache.set(_connected_key(user_id), b"1", ttl_seconds=CONNECTED_TTL_SECONDS)
        log.info("scrobbling.connected", user_id=str(user_id), service=target.value)

    def _opened(self, connection: Connection) -> Connection | None:
        """The connection with its secret decrypted; None when it cannot be."""
        secret = self._box.open(connection.secret)
        return None if secret is None else dataclasses.replace(connection, secret=secret)

    async def _connected(self, user_id: UUID) -> bool:
        key = _connected_key(user_id)
        known = await self._cache.get(key)
        if known is not None:
            return known == b"1"
        connected = bool(await self._repository.connections(user_id))
        await self._cache.set(key, b"1" if connected else b"0", ttl_seconds=CONNECTED_TTL_SECONDS)
        return connected

    async def _status_of(self, user_id: UUID, target: ScrobbleTarget) -> TargetStatus:
        return next(s for s in await self.status(user_id) if s.target is target)

    def _lastfm_accounts(self) -> LastfmAccounts:
        if self._lastfm is None:
            raise ScrobbleTargetUnavailable(
                "Last.fm is not set up on this server (TONEARM_LASTFM_API_KEY and "
                "TONEARM_LASTFM_SECRET)"
            )
        return self._lastfm

    def _sign(self, text: str) -> str:
        return hmac.new(self._state_key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def _user_of_state(self, state: str) -> UUID:
        try:
            user, expires, signature = state.split(".")
            valid = hmac.compare_digest(signature, self._sign(f"{user}.{expires}"))
            if valid and int(expires) >= self._clock().timestamp():
                return UUID(user)
        except ValueError:
            pass
        raise InvalidScrobbleToken("state: not one this server gave out, or expired; start again")


def _connected_key(user_id: UUID) -> str:
    return f"scrobbling:connected:{user_id}"


def _plain_token(token: str) -> bool:
    """What a token can be: it goes into an HTTP header, so printable ASCII, bounded."""
    return 0 < len(token) <= MAX_TOKEN_CHARS and token.isascii() and token.isprintable()


def _first_run(items: list[Submission]) -> list[Submission]:
    """The listens at the head of the queue, or its one love/unlove: sent in queue order."""
    if not items:
        return []
    if items[0].kind is not SubmissionKind.LISTEN:
        return items[:1]
    run = []
    for item in items:
        if item.kind is not SubmissionKind.LISTEN:
            break
        run.append(item)
    return run
