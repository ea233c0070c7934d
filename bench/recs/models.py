"""The recommenders bench/recs/evaluate.py compares, behind one small interface.

A model is fitted on a training log (bench/recs/logs.Log: every event before each user's
held-out window) and then asked, per user, for its top `n` songs, leaving out `exclude` (the
songs the user already heard, when repeat listens are not counted). Another recommender
(tonearm's own ranker, once it exists) plugs in as one more class with the same two methods
added to `baselines()`, or passed to `evaluate.run(models=...)`.

The baselines see what a collaborative-filtering library sees: a user x song matrix of
counted listens (played for 30 s or more). Each score list is topped up by global popularity
with a tiny weight so that every model returns `n` songs and ties break the same way.

Parameters were chosen on the tune seed (1) only, by NDCG@20 on both logs (2 windows per
user on the 50-user log, 20 on the single-user one): item-kNN k in {20, 100, 400} -> 400;
EASE lambda in {10, 50, 200, 1000} -> 200 (10 to 200 within 0.003); ALS (factors,
regularisation, alpha) over seven settings from (64, 0.05, 10) to (8, 1, 1) -> (8, 1, 1),
which more than doubled its 50-user NDCG with repeats (0.022 -> 0.055): with 50 users, fewer
factors than users.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp
from logs import PLAY, REPLAY, SKIP_MS, Log


class Model(Protocol):
    """A recommender under evaluation."""

    name: str

    def fit(self, log: Log) -> None:
        """Learn from a training log (events of every user, time-ordered per user)."""

    def recommend(self, user: int, n: int, exclude: set[int]) -> list[int]:
        """The user's top `n` song ids, best first, none of them in `exclude`."""


def listen_counts(log: Log) -> sp.csr_matrix:
    """users x songs: how many counted listens (not skipped before 30 s)."""
    counted = np.isin(log.kind, (PLAY, REPLAY)) & (log.played_ms >= SKIP_MS)
    data = np.ones(int(counted.sum()), dtype=np.float32)
    matrix = sp.csr_matrix(
        (data, (log.user[counted], log.song[counted])), shape=(log.users, log.catalog.songs)
    )
    matrix.sum_duplicates()
    return matrix


def top_n(scores: np.ndarray, n: int, exclude: set[int]) -> list[int]:
    scores = scores.astype(np.float64, copy=True)
    if exclude:
        scores[list(exclude)] = -np.inf
    n = min(n, len(scores))
    best = np.argpartition(-scores, n - 1)[:n]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [int(s) for s in best if np.isfinite(scores[s])]


class _Base:
    name = "base"

    def _prepare(self, log: Log) -> None:
        self.counts = listen_counts(log)
        popularity = np.asarray(self.counts.sum(axis=0)).ravel()
        # Tie-break and top-up: below any real score difference.
        self.fill = 1e-6 * popularity / max(1.0, popularity.max())


class MostPopular(_Base):
    name = "most popular"

    def fit(self, log: Log) -> None:
        self._prepare(log)

    def recommend(self, user: int, n: int, exclude: set[int]) -> list[int]:
        return top_n(self.fill, n, exclude)


class UserMostPlayed(_Base):
    """The user's own most played songs (a strong baseline in music), then most popular."""

    name = "user most played"

    def fit(self, log: Log) -> None:
        self._prepare(log)

    def recommend(self, user: int, n: int, exclude: set[int]) -> list[int]:
        own = self.counts[user].toarray().ravel()
        return top_n(own + self.fill, n, exclude)


class ItemKNN(_Base):
    """Item-item cosine similarity on the user x song matrix (log-scaled counts), the `k`
    nearest neighbours of each song kept; a user's score sums their songs' similarities."""

    name = "item-kNN"

    def __init__(self, k: int = 400) -> None:
        self.k = k

    def fit(self, log: Log) -> None:
        self._prepare(log)
        x = self.counts.copy()
        x.data = np.log1p(x.data)
        self.items = np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() > 0)
        self.x = x[:, self.items].tocsr()
        norms = np.sqrt(np.asarray(self.x.multiply(self.x).sum(axis=0)).ravel())
        xn = self.x @ sp.diags(1.0 / norms)
        sim = (xn.T @ xn).toarray().astype(np.float32)
        np.fill_diagonal(sim, 0.0)
        if self.k < sim.shape[0]:
            # Keep each song's k most similar songs (ties at the k-th may keep a few more).
            kth = -np.partition(-sim, self.k - 1, axis=0)[self.k - 1]
            sim[sim < kth[np.newaxis, :]] = 0.0
        self.sim = sp.csr_matrix(sim)

    def recommend(self, user: int, n: int, exclude: set[int]) -> list[int]:
        scores = self.fill.copy()
        scores[self.items] += (self.x[user] @ self.sim).toarray().ravel()
        return top_n(scores, n, exclude)


class EASE(_Base):
    """Embarrassingly Shallow Autoencoder (Steck 2019): closed-form item-item weights
    B = I - P / diag(P), P = (X'X + lambda I)^-1, diagonal zero; over the songs heard."""

    name = "EASE"

    def __init__(self, regularization: float = 200.0) -> None:
        self.regularization = regularization

    def fit(self, log: Log) -> None:
        self._prepare(log)
        x = self.counts.copy()
        x.data = np.log1p(x.data)
        self.items = np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() > 0)
        self.x = x[:, self.items].tocsr()
        gram = (self.x.T @ self.x).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.regularization
        p = np.linalg.inv(gram)
        b = p / -np.diag(p)
        np.fill_diagonal(b, 0.0)
        self.b = b.astype(np.float32)

    def recommend(self, user: int, n: int, exclude: set[int]) -> list[int]:
        scores = self.fill.copy()
        scores[self.items] += self.x[user].toarray().ravel() @ self.b
        return top_n(scores, n, exclude)


class ALS(_Base):
    """Implicit-feedback matrix factorisation (Hu, Koren, Volinsky 2008) from the `implicit`
    package (MIT), confidence 1 + alpha * log1p(listens)."""

    name = "ALS (implicit)"

    def __init__(
        self,
        factors: int = 8,
        regularization: float = 1.0,
        alpha: float = 1.0,
        iterations: int = 15,
        seed: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed

    def fit(self, log: Log) -> None:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        self._prepare(log)
        x = self.counts.copy()
        x.data = np.log1p(x.data)
        # implicit runs its own threads and warns when BLAS runs a pool as well.
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.seed,
                num_threads=2,
            )
            model.fit(x.tocsr(), show_progress=False)
        self.users = np.asarray(model.user_factors)
        self.songs = np.asarray(model.item_factors)

    def recommend(self, user: int, n: int, exclude: set[int]) -> list[int]:
        return top_n(self.songs @ self.users[user] + self.fill, n, exclude)


def baselines() -> list[Model]:
    """The baselines, in the order of the table."""
    return [MostPopular(), UserMostPlayed(), ItemKNN(), EASE(), ALS()]
