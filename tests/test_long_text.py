"""Long-text inference on a tiny BERT trained here to spot one decisive word among neutral filler."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_tabular
from workbench.core.config import ConfigError
from workbench.lab.long_text import long_reviews, predict_long, text_windows

FILLER = ("the film a story of and scene with cast its plot music then camera light this that some "
          "room city long short night day").split()
DECISIVE = {"negative": "dreadful", "positive": "excellent"}


def filler(rng, n: int) -> list[str]:
    return list(rng.choice(FILLER, size=n))


def keyword_csv(folder, n: int = 480, seed: int = 0):
    """Short texts of filler words where one word, anywhere, decides the label."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = ("negative", "positive")[i % 2]
        words = filler(rng, int(rng.integers(4, 14)))
        words.insert(int(rng.integers(0, len(words) + 1)), DECISIVE[label])
        rows.append({"text": " ".join(words), "label": label})
    path = folder / "keywords.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def train_keyword_run(tmp_path_factory, model_folder):
    """(store, run id) of a tiny BERT fine-tuned on `keyword_csv`; it learns the task in a few seconds."""
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    folder = tmp_path_factory.mktemp("keywords")
    store = RunStore()       # under the session's WORKBENCH_HOME, where the command line looks
    cfg = tiny_tabular(dataset=str(keyword_csv(folder)), model=model_folder, max_steps=100, batch_size=16,
                       max_length=32, lr=2e-3, eval_every=None, precision="fp32")
    snap = Runner(store).start(cfg).wait(600)
    assert snap["status"] == "finished", snap["error"]
    assert snap["metrics"]["test"]["accuracy"] >= 0.95, snap["metrics"]["test"]
    return store, snap["id"]


@pytest.fixture(scope="module")
def keyword_run(tmp_path_factory, tiny_text_model):
    return train_keyword_run(tmp_path_factory, tiny_text_model)


@pytest.fixture(scope="module")
def predictor(keyword_run):
    from workbench.core.predict import load_predictor
    store, run_id = keyword_run
    return load_predictor(run_id, store)


def long_pair(seed: int = 1) -> tuple[list[str], np.ndarray]:
    """Two long texts, identical but for the decisive word at the very end."""
    opening = " ".join(filler(np.random.default_rng(seed), 60))
    return [f"{opening} {DECISIVE['negative']}", f"{opening} {DECISIVE['positive']}"], np.array([0, 1])


def test_only_modes_that_reach_the_end_see_the_decisive_word(predictor):
    texts, labels = long_pair()
    truncated = predict_long(predictor, texts, "truncate", max_length=16)
    assert np.array_equal(truncated[0], truncated[1])       # the two texts differ only beyond the cut
    head_tail = predict_long(predictor, texts, "head_tail", max_length=16)
    assert list(head_tail.argmax(-1)) == list(labels), head_tail
    # Sliding windows see the last word too: the text ending in "excellent" comes out more positive. (Whether
    # that wins depends on the pool and on what the model says about filler alone: this one learned "no
    # 'excellent' means negative", so pooling the filler windows pulls towards negative.)
    for pool in ("max", "mean"):
        windows = predict_long(predictor, texts, "sliding_window", max_length=16, pool=pool)
        assert windows[1, 1] - windows[0, 1] > 0.05, (pool, windows)


def test_shapes_and_windows(predictor):
    texts = [long_pair()[0][0], "excellent", ""]
    for mode in ("truncate", "head_tail", "sliding_window"):
        probs = predict_long(predictor, texts, mode, max_length=16, stride=5)
        assert probs.shape == (3, 2) and np.allclose(probs.sum(1), 1, atol=1e-5)
    ids = list(range(40))
    windows = text_windows(ids, "sliding_window", budget=14, stride=5)
    assert [w[0] for w in windows] == [0, 5, 10, 15, 20, 25, 26] and all(len(w) == 14 for w in windows)
    assert text_windows(ids, "head_tail", 14, 5) == [ids[:4] + ids[30:]]    # 128:382 scaled to 14 tokens
    assert text_windows(ids[:10], "head_tail", 14, 5) == [ids[:10]]


def test_truncate_matches_the_predictor(predictor):
    texts = [long_pair()[0][0], "the cast was excellent", "dreadful"]
    assert np.abs(predict_long(predictor, texts, "truncate") - predictor.predict_proba(texts)).max() < 1e-5


def test_bad_settings_are_refused(predictor):
    with pytest.raises(ConfigError, match="limit of 128"):
        predict_long(predictor, ["a"], "truncate", max_length=512)
    with pytest.raises(ConfigError, match="stride"):
        predict_long(predictor, ["a"], "sliding_window", max_length=16, stride=15)
    with pytest.raises(ValueError, match="Unknown mode"):
        predict_long(predictor, ["a"], "middle")


def test_at_least_one_long_review():
    with pytest.raises(ValueError, match="at least one long review"):
        long_reviews(["a", "b", "c"], [0, 1, 0], n=0, snippets=2)


def test_long_reviews_end_with_the_decisive_snippet():
    snippets = [f"snippet {i} {'good' if i % 2 else 'bad'}" for i in range(40)]
    labels = np.arange(40) % 2
    for opening in ("mixed", "same"):
        reviews, verdicts = long_reviews(snippets, labels, n=30, snippets=5, opening=opening)
        parts = [r.split(" snippet ") for r in reviews]
        assert all(len(p) == 5 for p in parts)
        last_words = np.array([p[-1].endswith("good") for p in parts]).astype(int)
        assert np.array_equal(last_words, verdicts) and set(verdicts) == {0, 1}
        agreeing = np.mean([w.endswith("good") == bool(v) for p, v in zip(parts, verdicts) for w in p[:-1]])
        assert agreeing == 1.0 if opening == "same" else 0.3 < agreeing < 0.7


def test_compare_long_text_modes(keyword_run):
    from workbench.lab.long_text import compare_long_text_modes

    store, run_id = keyword_run
    texts, labels = zip(*[long_pair(seed) for seed in range(4)])
    texts, labels = [t for pair in texts for t in pair], np.concatenate(labels)
    table = compare_long_text_modes(run_id, texts, labels, lengths=(16, 32), store=store)
    assert len(table) == 8 and set(table["max_length"]) == {16, 32}
    accuracy = table.set_index(["mode", "max_length"])["accuracy"]
    assert accuracy["truncate", 16] == 0.5 and accuracy["head_tail", 16] == 1.0
    assert (table["seconds"] > 0).all()


def test_long_text_command(keyword_run, capsys):
    import json

    from workbench.cli import main

    _, run_id = keyword_run
    assert main(["long-text", "--run", run_id, "--lengths", "16", "--reviews", "12", "--snippets", "3",
                 "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["mode"] for r in rows] == ["truncate", "head_tail", "sliding_window (mean)", "sliding_window (max)"]
    assert all(r["max_length"] == 16 and 0 <= r["accuracy"] <= 1 for r in rows)
    assert main(["long-text", "--run", "no-such-run"]) == 2
