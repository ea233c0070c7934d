"""Scheduled upkeep of the library: storage tiering, re-rendering and the weekly cleanup
(popularity lives with the library, in `library/popularity.py`)."""

from tonearm.upkeep.jobs import (
    CLEANUP_JOB,
    POPULARITY_JOB,
    register_upkeep_jobs,
)
from tonearm.upkeep.tiering import (
    RERENDER_JOB,
    TIERING_JOB,
    StorageTiering,
    TieringPolicy,
    TieringReport,
)

__all__ = [
    "CLEANUP_JOB",
    "POPULARITY_JOB",
    "RERENDER_JOB",
    "TIERING_JOB",
    "StorageTiering",
    "TieringPolicy",
    "TieringReport",
    "register_upkeep_jobs",
]
