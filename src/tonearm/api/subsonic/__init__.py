"""The Subsonic and OpenSubsonic API under /rest, for the apps people already use."""

from tonearm.api.subsonic.routes import HANDLERS, SUBSONIC_ROUTE

__all__ = ["HANDLERS", "SUBSONIC_ROUTE"]
