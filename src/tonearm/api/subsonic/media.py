"""Media retrieval: stream (a stored rendition, the original, or a transcode) and download.

Stored objects are sent with Range, ETag and HEAD like /api/media; transcodes are sent as
ffmpeg makes them (no Range; a Content-Length only with estimateContentLength=true).
Neither records a play: plays come from scrobble and reportPlayback.
"""

from __future__ import annotations

import json
import math
from pathlib import PurePosixPath
from urllib.parse import quote
from uuid import UUID

from starlette.responses import RedirectResponse, Response, StreamingResponse

from tonearm.analysis.mashups import MashupService
from tonearm.api.attachment import attachment_disposition, song_filename
from tonearm.api.object_response import object_response, prepend
from tonearm.api.pending_response import SERVED_HEADER, wants_part
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.ids import parse_episode_stream_id, parse_mashup_entry_id
from tonearm.api.subsonic.mashups import mashup_response
from tonearm.api.subsonic.params import parse_id
from tonearm.api.subsonic.podcasts import episode_response
from tonearm.api.subsonic.render import Payload, compact
from tonearm.errors import InvalidInput, NotFound
from tonearm.library.catalog_service import CatalogService
from tonearm.library.paths import display_path
from tonearm.podcasts import PodcastService
from tonearm.streaming import MediaSource, StreamService
from tonearm.streaming.decision import (
    StreamDetails,
    TranscodeDecision,
    client_info_from_json,
    parse_transcode_params,
)
from tonearm.streaming.delivery import (
    EncodeRendition,
    Remux,
    ServeStored,
    StreamRequest,
    Transcode,
)
from tonearm.streaming.on_demand import OnDemandRenditions
from tonearm.streaming.ranges import http_date
from tonearm.streaming.transcoding import TranscodeService, exactly

MAX_CLIENT_INFO_BYTES = 64 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _seconds(raw: str | None, name: str) -> float:
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"parameter {name} must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"parameter {name} must be 0 or more seconds, got {raw!r}")
    return value


def _stored_headers(source: MediaSource) -> dict[str, str]:
    return {
        "Accept-Ranges": "bytes",
        "ETag": source.etag,
        "Last-Modified": http_date(source.modified_at),
        "Cache-Control": "private, max-age=86400",
    }


async def stream(
    call: SubsonicCall,
    on_demand: OnDemandRenditions,
    transcoding: TranscodeService,
    streaming: StreamService,
    podcasts: PodcastService,
    mashups: MashupService,
) -> Response:
    """The song's audio: see streaming/delivery.py for what is sent for which parameters.
    A podcast episode's streamId plays its downloaded file as it is; so does a mashup's id
    (`mx-…`) for its owner."""
    params = call.params
    episode_id = parse_episode_stream_id(params.require("id"))
    if episode_id is not None:
        return await episode_response(call, podcasts, streaming, episode_id, attachment=False)
    mashup_id = parse_mashup_entry_id(params.require("id"))
    if mashup_id is not None:
        return await mashup_response(call, mashups, streaming, mashup_id, attachment=False)
    request = StreamRequest(
        format=params.get("format"),
        max_bitrate_kbps=params.get_int("maxBitRate", 0, minimum=0) or 0,
        time_offset_seconds=_seconds(params.get("timeOffset"), "timeOffset"),
    )
    return await _send(call, on_demand, transcoding, streaming, params.get_id("id"), request)


async def _send(
    call: SubsonicCall,
    on_demand: OnDemandRenditions,
    transcoding: TranscodeService,
    streaming: StreamService,
    song_id: UUID,
    request: StreamRequest,
) -> Response:
    delivery = await transcoding.delivery(song_id, request)
    if isinstance(delivery, EncodeRendition):
        made = await _made_while_sent(call, on_demand, delivery)
        if made is not None:
            return made
        delivery = delivery.instead
    if isinstance(delivery, ServeStored):
        source = delivery.source
        edge = await _edge_redirect(call, streaming, source)
        if edge is not None:
            return edge
        return await object_response(call.request, streaming, source, _stored_headers(source))
    return await _transcoded(
        call, transcoding, delivery, call.params.get_bool("estimateContentLength")
    )


async def _edge_redirect(
    call: SubsonicCall, streaming: StreamService, source: MediaSource, *, save_as: str = ""
) -> Response | None:
    """Edge mode: a 307 to a URL nginx checks and serves itself (streaming/edge.py), so no
    Python sends the bytes; `save_as` asks nginx for a Content-Disposition (its `dl`
    argument, percent-encoded as RFC 5987 wants it). None in the other modes."""
    path = await streaming.edge_path(source, call.user.id)
    if path is None:
        return None
    if save_as:
        path += "&dl=" + quote(save_as, safe="")
    return RedirectResponse(call.base_url + path, 307, headers={"Cache-Control": "no-store"})


async def _made_while_sent(
    call: SubsonicCall, on_demand: OnDemandRenditions, delivery: EncodeRendition
) -> Response | None:
    """The missing rendition, encoded once while it is sent and then kept; None when this
    request may not make it (HEAD, a Range past the start, claimed elsewhere, no slot):
    the live transcode is sent instead, as before renditions existed."""
    request = call.request
    if request.method == "HEAD" or wants_part(request.headers.get("range")):
        return None
    chunks = await on_demand.open(delivery.pending)
    if chunks is None:
        return None
    try:
        first = await anext(chunks, b"")
    except Exception:
        return None
    rendition = delivery.pending.format
    headers = {"Accept-Ranges": "none", "Cache-Control": "no-store", SERVED_HEADER: rendition.kind}
    body = prepend(first, chunks)
    if call.params.get_bool("estimateContentLength"):
        estimate = rendition.estimated_bytes(delivery.pending.duration_ms)
        headers["Content-Length"] = str(estimate)
        body = exactly(body, estimate)
    return StreamingResponse(body, headers=headers, media_type=rendition.content_type)


async def get_transcode_decision(call: SubsonicCall, transcoding: TranscodeService) -> Payload:
    """Direct play or which transcode, for the ClientInfo in the JSON body (POST)."""
    kind = call.request.headers.get("content-type", "")
    # A form body was read for the parameters already; the ClientInfo must be JSON anyway.
    if call.request.method != "POST" or kind.startswith(FORM_TYPES):
        raise InvalidInput("getTranscodeDecision is a POST with a JSON ClientInfo body")
    raw = bytearray()
    async for chunk in call.request.stream():
        raw += chunk
        if len(raw) > MAX_CLIENT_INFO_BYTES:
            raise InvalidInput(f"ClientInfo is over {MAX_CLIENT_INFO_BYTES} bytes")
    try:
        body = json.loads(raw)
    except ValueError:
        raise InvalidInput("the request body must be a JSON ClientInfo object") from None
    decision = await transcoding.decision(_media_id(call), client_info_from_json(body))
    return {"transcodeDecision": _decision_payload(decision)}


def _media_id(call: SubsonicCall) -> UUID:
    """The song a transcoding call is about: the specification's `mediaId` + `mediaType`
    (tonearm has songs only), or `songId` as earlier clients sent it."""
    params = call.params
    if "mediaId" not in params and "songId" in params:
        return params.get_id("songId")
    raw_id = params.require("mediaId")
    media_type = params.require("mediaType")
    if media_type != "song":
        raise NotFound(f"mediaType {media_type!r}: tonearm has songs only, no podcasts")
    return parse_id(raw_id, "mediaId")


def _details(details: StreamDetails | None) -> Payload | None:
    if details is None:
        return None
    return compact(
        protocol=details.protocol,
        container=details.container,
        codec=details.codec,
        audioBitrate=details.audio_bitrate,
    )


def _decision_payload(decision: TranscodeDecision) -> Payload:
    return compact(
        canDirectPlay=decision.can_direct_play,
        canTranscode=decision.can_transcode,
        errorReason=decision.error_reason,
        transcodeParams=decision.params,
        transcodeReason=list(decision.reasons),
        sourceStream=_details(decision.source),
        transcodeStream=_details(decision.target),
    )


async def get_transcode_stream(
    call: SubsonicCall,
    on_demand: OnDemandRenditions,
    transcoding: TranscodeService,
    streaming: StreamService,
) -> Response:
    """The stream getTranscodeDecision described (its `transcodeParams`), from `offset`."""
    params = call.params
    codec, kbps = parse_transcode_params(params.require("transcodeParams"))
    request = StreamRequest(codec, kbps, _seconds(params.get("offset"), "offset"))
    return await _send(call, on_demand, transcoding, streaming, _media_id(call), request)


async def _transcoded(
    call: SubsonicCall, transcoding: TranscodeService, job: Transcode | Remux, estimate_length: bool
) -> Response:
    headers = {"Accept-Ranges": "none", "Cache-Control": "no-store"}
    if estimate_length:
        headers["Content-Length"] = str(job.estimated_bytes)
    if call.request.method == "HEAD":
        return Response(headers=headers, media_type=job.codec.content_type)
    body = transcoding.transcode(job)
    # Wait for a slot and ffmpeg's first bytes before the status line: a failure is still
    # an error the app can show.
    first = await anext(body, b"")
    chunks = prepend(first, body)
    if estimate_length:
        chunks = exactly(chunks, job.estimated_bytes)
    return StreamingResponse(chunks, headers=headers, media_type=job.codec.content_type)


async def download(
    call: SubsonicCall,
    transcoding: TranscodeService,
    catalog: CatalogService,
    streaming: StreamService,
    podcasts: PodcastService,
    mashups: MashupService,
) -> Response:
    """The original file as it is (Range and HEAD too), saved as `Artist - Title.ext`; a
    podcast episode's streamId gives its downloaded file, a mashup's id (`mx-…`) its MP3."""
    episode_id = parse_episode_stream_id(call.params.require("id"))
    if episode_id is not None:
        return await episode_response(call, podcasts, streaming, episode_id, attachment=True)
    mashup_id = parse_mashup_entry_id(call.params.require("id"))
    if mashup_id is not None:
        return await mashup_response(call, mashups, streaming, mashup_id, attachment=True)
    song_id = call.params.get_id("id")
    source = await transcoding.original(song_id)
    song = await catalog.song(song_id)
    stored = PurePosixPath(display_path(source.path or source.storage_key or ""))
    extension = stored.suffix or (song.original_format or "")
    name = song_filename(song.artists, song.title, extension, fallback=stored.stem)
    edge = await _edge_redirect(call, streaming, source, save_as=name)
    if edge is not None:
        return edge
    headers = _stored_headers(source)
    headers["Content-Disposition"] = attachment_disposition(name)
    return await object_response(call.request, streaming, source, headers)


__all__ = ["download", "get_transcode_decision", "get_transcode_stream", "stream"]
