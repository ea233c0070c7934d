"""Library scans: startScan (admins) and getScanStatus.

startScan queues the same `library.scan` job as the schedule and the REST admin API,
unless one is already queued or running. `count` is the number of songs in the library.
"""

from __future__ import annotations

from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.render import Payload
from tonearm.errors import PermissionDenied
from tonearm.ingest.scans import ScanService
from tonearm.library.catalog_service import CatalogService


async def _status(call: SubsonicCall, catalog: CatalogService, scanning: bool) -> Payload:
    count = await catalog.song_count()
    return {"scanStatus": {"scanning": scanning, "count": count}}


async def start_scan(call: SubsonicCall, catalog: CatalogService, scans: ScanService) -> Payload:
    """Queue a rescan of the music folders (admins only)."""
    if not call.user.is_admin:
        raise PermissionDenied("only an admin may start a scan")
    await scans.start()  # or the scan already queued or running
    return await _status(call, catalog, scanning=True)


async def get_scan_status(
    call: SubsonicCall, catalog: CatalogService, scans: ScanService
) -> Payload:
    """Whether a scan is queued or running, and how many songs the library has."""
    return await _status(call, catalog, scanning=await scans.scanning())


__all__ = ["get_scan_status", "start_scan"]
