"""FLM: recommendations from language-model embeddings of item texts.

Each item's text (for MovieLens: title, year, genres) is embedded once. A user's profile is the mean of the
embeddings of the items they interacted with, optionally weighted towards recent ones (a weight halves every
`half_life` interactions back in time). Unseen items are ranked by cosine similarity to the profile.
`evaluate_recommender` holds out each user's last interaction(s) and scores FLM against a popularity ranking and a
random ranking, measured on the same users and candidates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.datasets import DatasetError
from .embeddings import Encoder, top_k


def _check_columns(frame: pd.DataFrame, name: str, needed: tuple) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DatasetError(f"The {name} table lacks column(s) {missing}; it has {list(frame.columns)}. "
                           f"Rename the columns to {list(needed)}.")


def check_items(items: pd.DataFrame) -> pd.DataFrame:
    """The items table (item, text), one row per item, every text non-empty; DatasetError otherwise."""
    _check_columns(items, "items", ("item", "text"))
    if items.empty:
        raise DatasetError("The items table is empty.")
    if items["item"].duplicated().any():
        raise DatasetError("The items table lists some item ids more than once; keep one row per item.")
    if items["text"].isna().any() or (items["text"].astype(str).str.strip() == "").any():
        raise DatasetError("Some items have an empty text; give every item a title or description.")
    return items.reset_index(drop=True)


def check_interactions(interactions: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Interactions (user, item, timestamp) restricted to items in the items table."""
    _check_columns(interactions, "interactions", ("user", "item", "timestamp"))
    known = interactions[interactions["item"].isin(items["item"])]
    if known.empty:
        raise DatasetError("No interaction refers to an item in the items table; check that the item ids match.")
    return known


@dataclass
class HeldOut:
    """Per evaluated user: the items used to build the profile (oldest first) and the held-out items."""
    users: list
    histories: list[np.ndarray]     # item positions (rows of the items table), oldest first
    targets: list[np.ndarray]

    def sample(self, max_users: int | None, seed: int = 0) -> "HeldOut":
        """At most max_users of the users, drawn at random (seeded)."""
        if max_users is None or len(self.users) <= max_users:
            return self
        chosen = np.sort(np.random.default_rng(seed).choice(len(self.users), max_users, replace=False))
        return HeldOut(*([values[i] for i in chosen] for values in (self.users, self.histories, self.targets)))


def hold_out(interactions: pd.DataFrame, positions: dict, holdout: int = 1, how: str = "last",
             seed: int = 0) -> HeldOut:
    """Each user's last `holdout` interactions (or random ones, how="random") become the test items.

    Users with fewer than holdout + 1 distinct items are skipped: a profile needs at least one item.
    """
    if holdout < 1:
        raise ValueError(f"holdout must be at least 1; got {holdout}.")
    if how not in ("last", "random"):
        raise ValueError(f"how must be 'last' or 'random'; got {how!r}.")
    rng = np.random.default_rng(seed)
    ordered = interactions.sort_values(["user", "timestamp"], kind="stable").drop_duplicates(["user", "item"],
                                                                                           keep="last")
    users, histories, targets = [], [], []
    for user, rows in ordered.groupby("user", sort=True):
        items = np.array([positions[i] for i in rows["item"]])
        if len(items) <= holdout:
            continue
        test = np.arange(len(items) - holdout, len(items)) if how == "last" else rng.choice(len(items), holdout,
                                                                                             replace=False)
        keep = np.ones(len(items), dtype=bool)
        keep[test] = False
        users.append(user)
        histories.append(items[keep])
        targets.append(items[~keep])
    if not users:
        raise DatasetError(f"No user has more than {holdout} interaction(s); lower holdout or add data.")
    return HeldOut(users, histories, targets)


def recency_weights(n: int, half_life: float | None) -> np.ndarray:
    """Weights for n interactions ordered oldest first: all 1, or halving every `half_life` steps back in time."""
    if half_life is None:
        return np.ones(n)
    if half_life <= 0:
        raise ValueError(f"half_life must be positive (or None for a plain mean); got {half_life}.")
    return 0.5 ** (np.arange(n)[::-1] / half_life)


class LMRecommender:
    """Items embedded by a sentence encoder; users represented by the (weighted) mean of their items' vectors."""

    def __init__(self, items: pd.DataFrame, encoder: Encoder | None = None, half_life: float | None = None):
        self.items = check_items(items)
        self.half_life = half_life
        self.positions = {item: i for i, item in enumerate(self.items["item"])}
        self.vectors = (encoder or Encoder()).embed(self.items["text"].astype(str).tolist())

    def profile(self, history: np.ndarray, half_life: float | None = None) -> np.ndarray:
        """Unit vector for a history of item positions, oldest first."""
        weights = recency_weights(len(history), half_life)
        mean = weights @ self.vectors[history]
        return mean / max(float(np.linalg.norm(mean)), 1e-12)

    def scores(self, histories: list[np.ndarray], half_life: float | None = None) -> np.ndarray:
        """(users, items) cosine scores, with the items each user already has set to -inf."""
        profiles = np.stack([self.profile(h, half_life) for h in histories])
        return _mask_seen(profiles @ self.vectors.T, histories)

    def recommend(self, history_items, k: int = 10) -> pd.DataFrame:
        """Top k unseen items for a history of item ids (oldest first): rank, item, text, cosine."""
        unknown = [i for i in history_items if i not in self.positions]
        if unknown or len(history_items) == 0:
            raise ValueError(f"The history must be a non-empty list of known item ids; unknown: {unknown[:5]}.")
        scores = self.scores([np.array([self.positions[i] for i in history_items])], self.half_life)[0]
        best = top_k(scores, k)
        best = best[np.isfinite(scores[best])]
        return pd.DataFrame({"rank": np.arange(1, len(best) + 1), "item": self.items["item"].to_numpy()[best],
                             "text": self.items["text"].to_numpy()[best], "cosine": scores[best]})


def _mask_seen(scores: np.ndarray, histories: list[np.ndarray]) -> np.ndarray:
    scores = scores.astype(np.float64, copy=True)
    for row, history in enumerate(histories):
        scores[row, history] = -np.inf
    return scores


def ranking_metrics(scores: np.ndarray, targets: list[np.ndarray], k: int) -> dict:
    """hit rate@k (share of users with a held-out item in their top k) and recall@k (share of held-out items found)."""
    hits, recalls = [], []
    for row, target in zip(scores, targets):
        found = np.isin(target, top_k(row, k)).sum()
        hits.append(found > 0)
        recalls.append(found / len(target))
    return {f"hit_rate@{k}": float(np.mean(hits)), f"recall@{k}": float(np.mean(recalls))}


def check_evaluation_settings(k: int, holdout: int, max_users: int | None) -> None:
    """The cheap checks, so a bad value fails before every item is embedded."""
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}.")
    if holdout < 1:
        raise ValueError(f"holdout must be at least 1; got {holdout}.")
    if max_users is not None and max_users < 1:
        raise ValueError(f"max_users must be at least 1 (or left out for every user); got {max_users}.")


def keep_liked(interactions: pd.DataFrame, min_rating: float) -> pd.DataFrame:
    """Only the interactions rated at least `min_rating`."""
    if "rating" not in interactions:
        raise DatasetError("min_rating needs a 'rating' column in the interactions table.")
    kept = interactions[interactions["rating"] >= min_rating]
    if kept.empty:
        low, high = interactions["rating"].min(), interactions["rating"].max()
        raise ValueError(f"min_rating {min_rating:g} keeps no interactions: the ratings run from {low:g} to "
                         f"{high:g}.")
    return kept


def evaluate_recommender(interactions: pd.DataFrame, items: pd.DataFrame, encoder: Encoder | None = None,
                         k: int = 10, holdout: int = 1, how: str = "last", half_life: float | None = 10.0,
                         min_rating: float | None = None, max_users: int | None = None, seed: int = 0,
                         recommender: LMRecommender | None = None) -> pd.DataFrame:
    """Methods x metrics on held-out interactions: FLM (plain mean and recency-weighted), popularity, random.

    `min_rating` keeps only interactions rated at least that (the items a user liked) before holding out.
    Popularity counts the profile interactions of all users. Pass `recommender` (built on `items`) to reuse its
    item embeddings across calls. Also reported: the users evaluated and how many items each could be recommended.
    """
    check_evaluation_settings(k, holdout, max_users)     # the cheap checks before every item is embedded
    if min_rating is not None:
        interactions = keep_liked(interactions, min_rating)
    recommender = recommender or LMRecommender(items, encoder)
    interactions = check_interactions(interactions, recommender.items)
    everyone = hold_out(interactions, recommender.positions, holdout, how, seed)
    popularity = np.bincount(np.concatenate(everyone.histories), minlength=len(recommender.items)).astype(float)
    held = everyone.sample(max_users, seed)
    rng = np.random.default_rng(seed)
    n_users, n_items = len(held.users), len(recommender.items)
    methods = {"flm (mean profile)": recommender.scores(held.histories),
               "popularity": _mask_seen(np.tile(popularity, (n_users, 1)), held.histories),
               "random": _mask_seen(rng.random((n_users, n_items)), held.histories)}
    if half_life is not None:
        methods[f"flm (recency half-life {half_life:g})"] = recommender.scores(held.histories, half_life)
    table = pd.DataFrame({name: ranking_metrics(s, held.targets, k) for name, s in methods.items()}).T
    table["users"] = n_users
    table["candidates per user"] = float(np.mean([n_items - len(h) for h in held.histories]))
    table.index.name = "method"
    return table
