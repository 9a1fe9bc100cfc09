"""Sentence embeddings with the real offline MiniLM, similarity search, the embedding map, model sources."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from workbench.apps.embeddings import Encoder, SimilarityIndex, top_k
from workbench.analysis.plots import fig_embedding_scatter
from workbench.core.pretrained import ModelUnavailableError, resolve_source

TEXTS = ["The cat sat quietly on the mat.", "Stock markets fell sharply this morning.",
         "How do I bake bread at home?", "The football match ended in a draw.",
         "Heavy rain is expected over the weekend.", "She is learning to play the violin."]


@pytest.fixture(scope="module")
def encoder():
    return Encoder("minilm")


@pytest.fixture(scope="module")
def index(encoder):
    return SimilarityIndex(TEXTS, ids=[f"doc{i}" for i in range(len(TEXTS))], encoder=encoder)


def test_paraphrase_is_found_first(index):
    result = index.search("a kitten resting on a rug", k=3)
    assert list(result.columns) == ["rank", "id", "text", "cosine"]
    assert result["id"].iloc[0] == "doc0"
    assert list(result["rank"]) == [1, 2, 3]
    assert result["cosine"].is_monotonic_decreasing
    assert index.search("Will it rain this weekend?", k=1)["id"].iloc[0] == "doc4"


def test_exact_text_scores_cosine_one(index):
    result = index.search(TEXTS[2], k=len(TEXTS) + 5)
    assert len(result) == len(TEXTS)
    assert result["text"].iloc[0] == TEXTS[2]
    assert result["cosine"].iloc[0] == pytest.approx(1.0, abs=1e-5)
    assert result["cosine"].iloc[1] < 0.6


def test_vectors_are_unit_length_and_independent_of_batching(encoder):
    together = encoder.embed(TEXTS)
    assert together.shape == (len(TEXTS), encoder.dim) == (6, 384)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    one_by_one = np.stack([encoder.embed([t])[0] for t in TEXTS])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    assert encoder.embed([]).shape == (0, 384)


def test_top_k_orders_best_first_and_breaks_ties_by_position():
    scores = np.array([0.1, 0.9, 0.5, 0.9, -1.0])
    assert list(top_k(scores, 3)) == [1, 3, 2]
    assert list(top_k(scores, 10)) == [1, 3, 2, 0, 4]


def test_bad_input_is_named(index, encoder):
    with pytest.raises(ValueError, match="not one string"):
        encoder.embed("a single string")
    with pytest.raises(ValueError, match="item 1 is int"):
        encoder.embed(["fine", 3])
    with pytest.raises(ValueError, match="same length"):
        SimilarityIndex(TEXTS, ids=[1, 2], encoder=encoder)
    with pytest.raises(ValueError, match="non-empty"):
        index.search("   ")
    with pytest.raises(ValueError, match="k must be at least 1"):
        index.search("bread", k=0)


def test_hub_name_offline_says_what_to_do():
    with pytest.raises(ModelUnavailableError, match="HF_HUB_OFFLINE=1.*save_pretrained"):
        Encoder("no-such-org/no-such-encoder")


def test_a_run_id_resolves_to_its_saved_model(tiny_text_model, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    run_model = tmp_path / "runs" / "20990101-000000-beef" / "model"     # what save_model writes for a text run
    shutil.copytree(tiny_text_model, run_model)
    assert resolve_source("20990101-000000-beef") == str(run_model)
    assert resolve_source("minilm").endswith("model")
    assert resolve_source("sentence-transformers/all-MiniLM-L6-v2") == "sentence-transformers/all-MiniLM-L6-v2"
    vectors = Encoder("20990101-000000-beef").embed(["a fine-tuned backbone"])
    assert vectors.shape == (1, 32)


def test_embedding_scatter_has_one_trace_per_label(index):
    labels = ["pets", "news", "food", "news", "news", "music"]
    fig = fig_embedding_scatter(index.vectors, labels, texts=TEXTS)
    assert [t.name for t in fig.data] == ["pets", "news", "food", "music"]
    assert list(fig.data[1].text) == [TEXTS[1], TEXTS[3], TEXTS[4]]
    assert sum(len(t.x) for t in fig.data) == len(TEXTS)
    with pytest.raises(ValueError, match="same length"):
        fig_embedding_scatter(index.vectors, labels[:3])


def test_search_command_ranks_the_lines_of_a_file(tmp_path, capsys):
    from workbench.cli import main

    lines = tmp_path / "texts.txt"
    lines.write_text("\n".join(TEXTS) + "\n\n", encoding="utf-8")
    assert main(["search", "a kitten resting on a rug", "--file", str(lines), "-k", "2"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 3 and TEXTS[0] in rows[1]
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    assert main(["search", "anything", "--file", str(tmp_path / "empty.txt")]) == 2
    assert "holds no text" in capsys.readouterr().err
