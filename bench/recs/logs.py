"""Seeded listening logs with a known latent taste structure, for the offline evaluation of
recommendations (bench/recs/evaluate.py).

No real listening dataset ships inside any package this machine can install, so the logs are
generated. Everything follows from the seed: the same seed gives the same catalogue, users
and events, byte for byte; this module is committed before any recommender is tuned on it.

The catalogue: `songs` songs in 16 genres of unequal size; artists belong to one genre and
have Zipf-sized catalogues, split into albums of about ten songs; song popularity is Zipf
(exponent 0.9) over an order that follows the artist's popularity; durations are log-normal
around 3 min 40 s.

A user has a few taste clusters (1 to 4; the single user 3): a genre, two to six favourite artists in it, a
weight that drifts over the months, and a time of day it is listened to. Listening comes in
sessions (weekend days twice as likely, the hour from the cluster's time of day) which stay in one cluster with a small
chance of switching; within a session the next song is

- a repeat (user-specific rate, 20-55 %): a song already listened to in the cluster, drawn in
  proportion to its listens so far, so favourites form and get replayed;
- the same artist as the previous song (25 %): albums and artists are heard in runs, the
  co-occurrence a session-based recommender can learn;
- a discovery in the cluster: a favourite artist's song (half the time) or any song of the
  cluster's genre, both in proportion to the square root of popularity (deep cuts get found);
  an artist found this way whose song is liked becomes a favourite of the cluster;
- off-taste (user-specific rate, 5-20 %): any song in proportion to popularity (shuffle, a
  friend's playlist).

Skips (before 30 s) are likely off-taste (60 %) and rare for favourite artists (7 %); each
user also dislikes some songs they otherwise would like, and skips them. A listen that is not
skipped is completed (past 80 %) four times in five, else stopped after 30 s. Likes and
add-to-playlist follow good listens, dislikes follow off-taste skips (a disliked song is not
chosen again).

Events are rows as the REST API receives them: `play` (or `replay` when the same user started
the same song less than an hour before) with the milliseconds played and the song's duration,
then `skip` (stopped before 30 s) or `complete` (past 80 %) at the moment playback ended, and
`like`, `dislike`, `add_to_playlist`. A listen counts (the play rule) when it was not skipped.

Run: python bench/recs/logs.py [--seed N] [--single] [--out DIR]  (prints a summary; with
--out writes songs.csv and events.csv there)
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

KINDS = ("play", "replay", "skip", "complete", "like", "dislike", "add_to_playlist")
PLAY, REPLAY, SKIP, COMPLETE, LIKE, DISLIKE, ADD_TO_PLAYLIST = range(len(KINDS))
SKIP_MS = 30_000
GENRES = 16
START = int(datetime(2025, 1, 6, tzinfo=UTC).timestamp() * 1000)  # a Monday
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True)
class Catalog:
    """Song metadata, indexed by song id (0 .. songs-1)."""

    genre: np.ndarray
    artist: np.ndarray
    album: np.ndarray  # globally unique album ids
    duration_ms: np.ndarray
    popularity: np.ndarray  # the generator's sampling weight (sums to 1); not for models

    @property
    def songs(self) -> int:
        return len(self.genre)


@dataclass(frozen=True)
class Cluster:
    """One taste of one user: what the generator knows and a model has to discover."""

    genre: int
    artists: tuple[int, ...]
    weight: float
    trend: float  # log-weight change over the whole span
    hour: float


@dataclass(frozen=True)
class Log:
    """Events in time order (per user and overall) plus the catalogue and the latent truth."""

    catalog: Catalog
    users: int
    user: np.ndarray
    song: np.ndarray
    ts: np.ndarray  # milliseconds since the epoch
    kind: np.ndarray  # index into KINDS
    played_ms: np.ndarray
    duration_ms: np.ndarray
    session: np.ndarray
    tastes: list[list[Cluster]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.user)

    def subset(self, mask: np.ndarray) -> Log:
        """The events where `mask` is true (same catalogue, users and truth)."""
        return Log(
            self.catalog,
            self.users,
            self.user[mask],
            self.song[mask],
            self.ts[mask],
            self.kind[mask],
            self.played_ms[mask],
            self.duration_ms[mask],
            self.session[mask],
            self.tastes,
        )

    def rows(self) -> Iterator[tuple[int, int, int, str, int, int, int]]:
        """(user, song, timestamp ms, event kind, played ms, duration ms, session) rows."""
        for i in range(len(self)):
            yield (
                int(self.user[i]),
                int(self.song[i]),
                int(self.ts[i]),
                KINDS[self.kind[i]],
                int(self.played_ms[i]),
                int(self.duration_ms[i]),
                int(self.session[i]),
            )


def make_catalog(rng: np.random.Generator, songs: int) -> Catalog:
    genre_weight = rng.dirichlet(np.full(GENRES, 1.5))
    artists = max(GENRES, songs // 12)
    artist_genre = rng.choice(GENRES, size=artists, p=genre_weight)
    artist_weight = 1.0 / np.arange(1, artists + 1) ** 0.8
    rng.shuffle(artist_weight)
    artist = rng.choice(artists, size=songs, p=artist_weight / artist_weight.sum())
    # Albums: consecutive runs of about ten songs of one artist.
    album = np.zeros(songs, dtype=np.int64)
    next_album = 0
    for a in np.unique(artist):
        members = np.flatnonzero(artist == a)
        album[members] = next_album + np.arange(len(members)) // 10
        next_album += (len(members) + 9) // 10
    latent = np.log(artist_weight[artist]) + rng.normal(0.0, 1.0, songs)
    rank = np.empty(songs, dtype=np.int64)
    rank[np.argsort(-latent)] = np.arange(1, songs + 1)
    popularity = 1.0 / rank**0.9
    duration = np.clip(rng.lognormal(math.log(220_000), 0.3, songs), 60_000, 900_000)
    return Catalog(
        genre=artist_genre[artist].astype(np.int64),
        artist=artist.astype(np.int64),
        album=album,
        duration_ms=duration.astype(np.int64),
        popularity=popularity / popularity.sum(),
    )


def make_tastes(rng: np.random.Generator, catalog: Catalog, clusters: int) -> list[Cluster]:
    genre_mass = np.bincount(catalog.genre, weights=catalog.popularity, minlength=GENRES)
    genres = rng.choice(GENRES, size=clusters, replace=False, p=genre_mass / genre_mass.sum())
    weights = rng.dirichlet(np.full(clusters, 2.0))
    hours = rng.choice([8.0, 13.0, 18.0, 22.0], size=clusters)
    tastes = []
    for g, w, h in zip(genres, weights, hours, strict=True):
        in_genre = np.flatnonzero(catalog.genre == g)
        artists, inverse = np.unique(catalog.artist[in_genre], return_inverse=True)
        mass = np.bincount(inverse, weights=catalog.popularity[in_genre])
        pick = min(len(artists), int(rng.integers(2, 7)))
        favourites = rng.choice(artists, size=pick, replace=False, p=mass / mass.sum())
        tastes.append(
            Cluster(int(g), tuple(int(a) for a in favourites), float(w), rng.normal(0, 0.7), h)
        )
    return tastes


class _Sampler:
    """Popularity-weighted draws within a set of songs (genre, artist, catalogue); a
    `flatten` below 1 gives the less popular songs more of a chance."""

    def __init__(
        self,
        rng: np.random.Generator,
        songs: np.ndarray,
        popularity: np.ndarray,
        flatten: float = 1.0,
    ):
        self.rng = rng
        self.songs = songs
        self.cumulative = np.cumsum(popularity[songs] ** flatten)

    def draw(self) -> int:
        x = self.rng.random() * self.cumulative[-1]
        return int(self.songs[min(np.searchsorted(self.cumulative, x), len(self.songs) - 1)])


def generate(
    seed: int,
    users: int = 50,
    songs: int = 5_000,
    listens: int = 2_000,
    days: int = 120,
) -> Log:
    """A log of `users` users over `days` days; `listens` is the median listens per user
    (activity is log-normal, so a few users listen far more). One user gets `listens`."""
    rng = np.random.default_rng(seed)
    catalog = make_catalog(rng, songs)
    everything = _Sampler(rng, np.arange(songs), catalog.popularity)
    genre_samplers: dict[int, _Sampler] = {}
    artist_samplers: dict[int, _Sampler] = {}

    def by_genre(g: int) -> _Sampler:
        if g not in genre_samplers:
            genre_samplers[g] = _Sampler(
                rng, np.flatnonzero(catalog.genre == g), catalog.popularity, 0.5
            )
        return genre_samplers[g]

    def by_artist(a: int) -> _Sampler:
        if a not in artist_samplers:
            artist_samplers[a] = _Sampler(
                rng, np.flatnonzero(catalog.artist == a), catalog.popularity, 0.5
            )
        return artist_samplers[a]

    rows: list[tuple[int, int, int, int, int, int, int]] = []
    tastes_all: list[list[Cluster]] = []
    session_id = 0
    span = days * DAY_MS
    for u in range(users):
        clusters = 3 if users == 1 else 1 + int(rng.binomial(3, 0.45))
        tastes = make_tastes(rng, catalog, clusters)
        tastes_all.append(tastes)
        budget = (
            listens
            if users == 1
            else int(np.clip(rng.lognormal(math.log(listens), 0.7), 150, 6 * listens))
        )
        repeat_rate = rng.uniform(0.2, 0.55)
        noise_rate = rng.uniform(0.05, 0.2)
        favourite_genres = {c.genre for c in tastes}
        favourite_artists = {a for c in tastes for a in c.artists}
        # Tastes widen: an artist found in a cluster's genre and liked becomes a favourite.
        cluster_artists = [list(c.artists) for c in tastes]
        disliked: set[int] = set()
        liked: set[int] = set()
        heard: list[list[int]] = [[] for _ in tastes]  # counted listens per cluster
        last_start: dict[int, int] = {}
        # Session start times: a day (weekends twice as likely), an hour from a cluster.
        day_weight = np.array([1.0 if (d % 7) < 5 else 2.0 for d in range(days)])
        done = 0
        starts = []
        while done < budget:
            length = int(rng.geometric(1 / 12))
            day = int(rng.choice(days, p=day_weight / day_weight.sum()))
            t = day / days
            w = np.array([c.weight * math.exp(c.trend * t) for c in tastes])
            c = int(rng.choice(len(tastes), p=w / w.sum()))
            hour = float(np.clip(rng.normal(tastes[c].hour, 1.5), 0, 23.5))
            starts.append((day * DAY_MS + int(hour * HOUR_MS), c, length))
            done += length
        starts.sort()
        clock = 0
        previous_song = -1
        for start, c, length in starts:
            clock = max(clock, START + start)
            session_id += 1
            previous_song = -1
            for _ in range(length):
                if rng.random() < 0.05 and len(tastes) > 1:
                    c = int(rng.integers(len(tastes)))
                taste = tastes[c]
                off = False
                r = rng.random()
                if r < noise_rate:
                    song, off = everything.draw(), True
                elif heard[c] and r < noise_rate + repeat_rate:
                    song = heard[c][int(rng.integers(len(heard[c])))]
                elif previous_song >= 0 and rng.random() < 0.25:
                    song = by_artist(int(catalog.artist[previous_song])).draw()
                elif rng.random() < 0.5:
                    picks = cluster_artists[c]
                    song = by_artist(picks[int(rng.integers(len(picks)))]).draw()
                else:
                    song = by_genre(taste.genre).draw()
                if song in disliked:
                    continue
                genre, artist = int(catalog.genre[song]), int(catalog.artist[song])
                on_taste = not off and genre in favourite_genres
                if artist in favourite_artists:
                    p_skip = 0.07
                elif genre in favourite_genres:
                    p_skip = 0.15
                else:
                    p_skip = 0.6
                # Songs this user does not like although they fit (fixed per user and song).
                if (u * 1_000_003 + song * 7_919) % 1_009 < 120:
                    p_skip = max(p_skip, 0.7)
                duration = int(catalog.duration_ms[song])
                skipped = rng.random() < p_skip
                if skipped:
                    played = int(rng.integers(2_000, SKIP_MS))
                elif rng.random() < 0.8:
                    played = int(duration * rng.uniform(0.85, 1.0))
                else:
                    played = int(rng.uniform(SKIP_MS, max(SKIP_MS + 1, 0.8 * duration)))
                kind = REPLAY if clock - last_start.get(song, -DAY_MS) < HOUR_MS else PLAY
                last_start[song] = clock
                rows.append((u, song, clock, kind, played, duration, session_id))
                end = clock + played
                if skipped:
                    rows.append((u, song, end, SKIP, played, duration, session_id))
                    if not on_taste and rng.random() < 0.05:
                        disliked.add(song)
                        rows.append((u, song, end + 1_000, DISLIKE, 0, duration, session_id))
                else:
                    if played > 0.8 * duration:
                        rows.append((u, song, end, COMPLETE, played, duration, session_id))
                    if not off:
                        heard[c].append(song)
                    if (
                        on_taste
                        and song not in liked
                        and rng.random() < (0.06 if artist in favourite_artists else 0.03)
                    ):
                        liked.add(song)
                        if artist not in favourite_artists and genre == taste.genre:
                            favourite_artists.add(artist)
                            cluster_artists[c].append(artist)
                        rows.append((u, song, end - 5_000, LIKE, 0, duration, session_id))
                    if on_taste and rng.random() < 0.02:
                        rows.append(
                            (u, song, end - 3_000, ADD_TO_PLAYLIST, 0, duration, session_id)
                        )
                previous_song = song
                clock = end + int(rng.integers(500, 4_000))
            if clock > START + span:
                break
    data = np.array(rows, dtype=np.int64).reshape(-1, 7)
    order = np.lexsort((data[:, 2], data[:, 0]))  # by user, then time
    data = data[order]
    return Log(
        catalog=catalog,
        users=users,
        user=data[:, 0],
        song=data[:, 1],
        ts=data[:, 2],
        kind=data[:, 3].astype(np.int8),
        played_ms=data[:, 4],
        duration_ms=data[:, 5],
        session=data[:, 6],
        tastes=tastes_all,
    )


def generate_single(seed: int, songs: int = 5_000, listens: int = 8_000, days: int = 365) -> Log:
    """One heavy listener over a year: the common case of a personal server."""
    return generate(seed, users=1, songs=songs, listens=listens, days=days)


def summary(log: Log) -> str:
    starts = np.isin(log.kind, (PLAY, REPLAY))
    counted = starts & (log.played_ms >= SKIP_MS)
    kinds = np.bincount(log.kind, minlength=len(KINDS))
    per_user = np.bincount(log.user[starts], minlength=log.users)
    pairs = len(np.unique(log.user[counted] * log.catalog.songs + log.song[counted]))
    return (
        f"{log.users} users, {log.catalog.songs} songs, {len(log)} events, "
        f"{int(starts.sum())} listens ({int(counted.sum())} counted, {pairs} distinct user-song), "
        f"listens per user min/median/max {per_user.min()}/{int(np.median(per_user))}/{per_user.max()}; "
        + ", ".join(f"{k} {n}" for k, n in zip(KINDS, kinds, strict=True))
    )


def write_csv(log: Log, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "songs.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(("song", "genre", "artist", "album", "duration_ms"))
        c = log.catalog
        for s in range(c.songs):
            out.writerow(
                (s, int(c.genre[s]), int(c.artist[s]), int(c.album[s]), int(c.duration_ms[s]))
            )
    with (directory / "events.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(
            ("user", "song", "timestamp_ms", "kind", "played_ms", "duration_ms", "session")
        )
        out.writerows(log.rows())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--single", action="store_true", help="the single-user log")
    parser.add_argument("--out", type=Path, help="write songs.csv and events.csv here")
    args = parser.parse_args()
    log = generate_single(args.seed) if args.single else generate(args.seed)
    print(summary(log))
    if args.out:
        write_csv(log, args.out)
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
