"""FLM recommendations on a real sample of MovieLens 100k, and the hold-out protocol on hand-made data."""
from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from workbench.core.datasets import DatasetError
from workbench.apps.embeddings import Encoder
from workbench.apps.movielens import load_movielens_100k
from workbench.apps.recommend import LMRecommender, evaluate_recommender, hold_out, recency_weights

METHODS = ["flm (mean profile)", "popularity", "random", "flm (recency half-life 3)"]


@pytest.fixture(scope="module")
def movielens():
    return load_movielens_100k()


@pytest.fixture(scope="module")
def sample(movielens):
    """The 150 most rated movies, embedded by the real MiniLM."""
    interactions, items = movielens
    popular = interactions["item"].value_counts().index[:150]
    items = items[items["item"].isin(popular)]
    return interactions, items, LMRecommender(items, Encoder("minilm"))


def test_movielens_loads_with_readable_item_texts(movielens):
    interactions, items = movielens
    assert interactions.shape == (100_000, 4) and items.shape[0] == 1682
    assert interactions["user"].nunique() == 943
    assert items.set_index("item").loc[12, "text"] == "The Usual Suspects (1995). Genres: Crime, Thriller."
    assert items.set_index("item").loc[1, "genres"] == "Animation, Children's, Comedy"


def test_flm_beats_random_on_a_real_sample(sample):
    interactions, items, recommender = sample
    table = evaluate_recommender(interactions, items, holdout=3, half_life=3, max_users=300, seed=0,
                                 recommender=recommender)
    assert list(table.index) == METHODS
    metrics = table[["hit_rate@10", "recall@10"]]
    assert ((metrics >= 0) & (metrics <= 1)).all().all()
    assert (table["recall@10"] <= table["hit_rate@10"]).all()
    for method in ("flm (mean profile)", "flm (recency half-life 3)"):
        assert table.loc[method, "hit_rate@10"] > table.loc["random", "hit_rate@10"] + 0.05
        assert table.loc[method, "recall@10"] > table.loc["random", "recall@10"]
    assert (table["users"] == 300).all()
    assert 100 < table["candidates per user"].iloc[0] < 150


def test_recommendations_skip_the_history_and_follow_it(sample):
    _, items, recommender = sample
    titles = items.set_index("item")["title"]
    horror = [i for i in items["item"] if "Horror" in items.set_index("item").loc[i, "genres"]][:3]
    result = recommender.recommend(horror, k=5)
    assert list(result["rank"]) == [1, 2, 3, 4, 5]
    assert not set(result["item"]) & set(horror)
    assert result["cosine"].is_monotonic_decreasing
    top_genres = items.set_index("item").loc[result["item"], "genres"]
    assert top_genres.str.contains("Horror|Thriller").sum() >= 3, list(titles[result["item"]])
    with pytest.raises(ValueError, match="unknown: \\[999999\\]"):
        recommender.recommend([999999])


def test_hold_out_takes_the_latest_interactions_and_skips_short_histories():
    interactions = pd.DataFrame({"user": [1, 1, 1, 1, 2, 2], "item": [10, 11, 12, 13, 10, 11],
                                 "timestamp": [4, 1, 3, 2, 1, 2]})
    positions = {10: 0, 11: 1, 12: 2, 13: 3}
    held = hold_out(interactions, positions, holdout=2)
    assert held.users == [1]                     # user 2 has only 2 items: none would be left for a profile
    assert list(held.histories[0]) == [1, 3] and sorted(held.targets[0]) == [0, 2]
    randomly = hold_out(interactions, positions, holdout=1, how="random", seed=0)
    assert all(len(h) + len(t) == n for h, t, n in zip(randomly.histories, randomly.targets, (4, 2)))
    with pytest.raises(ValueError, match="how must be"):
        hold_out(interactions, positions, how="first")


def test_recency_weights_halve_every_half_life():
    np.testing.assert_allclose(recency_weights(5, 2.0), [0.25, 0.5 ** 1.5, 0.5, 0.5 ** 0.5, 1.0])
    np.testing.assert_allclose(recency_weights(3, None), [1, 1, 1])
    with pytest.raises(ValueError, match="half_life must be positive"):
        recency_weights(3, 0)


def test_unusable_tables_are_named(sample):
    interactions, items, recommender = sample
    with pytest.raises(DatasetError, match="lacks column\\(s\\) \\['timestamp'\\]"):
        evaluate_recommender(interactions.drop(columns="timestamp"), items, recommender=recommender)
    with pytest.raises(DatasetError, match="more than once"):
        LMRecommender(pd.concat([items, items.head(1)]))
    with pytest.raises(DatasetError, match="No interaction refers"):
        evaluate_recommender(interactions.assign(item=-1), items, recommender=recommender)


def test_missing_package_gives_the_install_command(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "recbole" else real_find_spec(name, *args))
    with pytest.raises(DatasetError, match="pip install --no-deps recbole"):
        load_movielens_100k()


def test_bad_settings_are_named_before_any_embedding(movielens):
    from workbench.apps.recommend import check_evaluation_settings, keep_liked

    for settings, words in (((0, 1, None), "k must be"), ((10, 0, None), "holdout must be"),
                            ((10, 1, 0), "max_users must be at least 1")):
        with pytest.raises(ValueError, match=words):
            check_evaluation_settings(*settings)
    interactions, _ = movielens
    with pytest.raises(ValueError, match="min_rating 6 keeps no interactions: the ratings run from 1 to 5"):
        keep_liked(interactions, 6)
    assert (keep_liked(interactions, 5)["rating"] == 5).all()


def test_recommend_command_refuses_bad_values_at_once(capsys):
    from workbench.cli import main

    assert main(["recommend", "--max-users", "0"]) == 2
    assert "max_users must be at least 1" in capsys.readouterr().err
    assert main(["recommend", "--min-rating", "6"]) == 2
    assert "keeps no interactions" in capsys.readouterr().err
