"""Podcasts: subscribed feeds, their episodes, downloads into object storage, and where
each user is in an episode."""
