"""Audio analysis: tempo, key, energy, intro/outro and an embedding per song; sonic
similarity, transitions and mashups built on them."""

from tonearm.analysis.models import (
    ANALYSIS_SAMPLE_RATE,
    EMBEDDING_DIMS,
    AnalysisStatus,
    FeaturesNotFound,
    Mode,
    MusicalKey,
    SongFeatures,
    StoredFeatures,
    camelot,
    camelot_compatible,
)
from tonearm.analysis.repository import AnalysisCounts, FeatureRepository, SimilarityRow

__all__ = [
    "ANALYSIS_SAMPLE_RATE",
    "EMBEDDING_DIMS",
    "AnalysisCounts",
    "AnalysisStatus",
    "FeatureRepository",
    "FeaturesNotFound",
    "Mode",
    "MusicalKey",
    "SimilarityRow",
    "SongFeatures",
    "StoredFeatures",
    "camelot",
    "camelot_compatible",
]
