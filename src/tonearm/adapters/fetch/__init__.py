"""Fetching untrusted URLs (podcast feeds and enclosures): base.py is the interface,
guarded.py the httpx implementation that refuses private addresses."""
