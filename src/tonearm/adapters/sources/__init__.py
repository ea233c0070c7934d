"""httpx clients for public music APIs (scrobbling's ListenBrainz and Last.fm, …)."""
