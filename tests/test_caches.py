"""Every cache answers for the inputs it names: change one input and the next call sees the change; each stays
within its bound."""
import os
import threading
import time

import numpy as np
import pytest

from workbench.core import datasets, inputs
from workbench.core.datasets import dataset_fingerprint, load_dataset


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from workbench.core.pretrained import minilm_path
    return AutoTokenizer.from_pretrained(minilm_path())


@pytest.fixture
def own_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


TEXTS = [f"message number {i} is {'spam' if i % 3 else 'fine'}" for i in range(30)]


def cached_tables(home):
    return sorted((home / "cache" / "tokens").glob("*.arrow"))


# ---------------------------------------------------------------- token cache


def test_same_texts_with_other_labels_are_tokenized_with_those_labels(own_home, tokenizer):
    """The label-noise regression: the second run used to get the first run's labels from the cache."""
    clean = np.arange(30) % 2
    noisy = 1 - clean
    assert inputs.tokenize_cached(TEXTS, clean, tokenizer, 32)["labels"] == clean.tolist()
    assert inputs.tokenize_cached(TEXTS, noisy, tokenizer, 32)["labels"] == noisy.tolist()
    assert len(cached_tables(own_home)) == 2
    again = inputs.tokenize_cached(TEXTS, clean, tokenizer, 32)            # a hit: no new table
    assert again["labels"] == clean.tolist() and len(cached_tables(own_home)) == 2
    shorter = inputs.tokenize_cached(TEXTS, clean, tokenizer, 4)
    assert max(shorter["length"]) == 4 and len(cached_tables(own_home)) == 3


def test_tokenizer_fingerprint_is_stable_and_tells_tokenizers_apart(tokenizer):
    before = inputs.tokenizer_fingerprint(tokenizer)
    tokenizer(TEXTS, truncation=True, max_length=8)    # changes the backend's truncation state
    assert inputs.tokenizer_fingerprint(tokenizer) == before
    from transformers import AutoTokenizer

    from workbench.core.pretrained import minilm_path
    grown = AutoTokenizer.from_pretrained(minilm_path())
    grown.add_tokens(["spamword"])
    assert inputs.tokenizer_fingerprint(grown) != before
    left = AutoTokenizer.from_pretrained(minilm_path(), truncation_side="left")
    assert inputs.tokenizer_fingerprint(left) != before


def test_two_threads_writing_the_same_key_both_get_a_complete_table(own_home, tokenizer):
    labels = np.arange(30) % 2
    results = [None, None]

    def tokenize(slot):
        results[slot] = inputs.tokenize_cached(TEXTS, labels, tokenizer, 16)["labels"]
    threads = [threading.Thread(target=tokenize, args=(slot,)) for slot in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [labels.tolist()] * 2 and len(cached_tables(own_home)) == 1
    assert not [p for p in (own_home / "cache" / "tokens").iterdir() if p.suffix != ".arrow"]


def make_table(folder, name, size, age_seconds):
    path = folder / name
    path.write_bytes(b"x" * size)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_token_cache_evicts_the_least_recently_used(tmp_path):
    old, middle, new = (make_table(tmp_path, f"{n}.arrow", 100, age) for n, age in
                        (("old", 300), ("middle", 200), ("new", 100)))
    crashed = make_table(tmp_path, "tmpabc", 10, 2 * 3600)
    writing = make_table(tmp_path, "tmpdef", 10, 5)
    removed = inputs.evict_token_cache(tmp_path, keep=old, max_files=2)
    assert set(removed) == {middle, crashed}            # `keep` is never evicted, the other oldest is
    assert old.exists() and new.exists() and writing.exists()
    assert set(inputs.evict_token_cache(tmp_path, keep=None, max_bytes=150)) == {old}


def test_using_a_table_marks_it_recently_used(own_home, tokenizer, monkeypatch):
    labels = np.arange(30) % 2
    inputs.tokenize_cached(TEXTS, labels, tokenizer, 16)
    first = cached_tables(own_home)[0]
    os.utime(first, (1, 1))                              # as if last used long ago
    inputs.tokenize_cached(TEXTS, labels, tokenizer, 16)
    assert first.stat().st_mtime > time.time() - 60
    monkeypatch.setattr(inputs, "TOKEN_CACHE_FILES", 1)
    inputs.tokenize_cached(TEXTS, labels, tokenizer, 8)
    assert [p.name for p in cached_tables(own_home)] != [first.name] and len(cached_tables(own_home)) == 1


# ---------------------------------------------------------------- dataset cache


def write_labels(path, labels):
    path.write_text("text,label\n" + "".join(f"text number {i},{y}\n" for i, y in enumerate(labels)))
    return str(path)


def test_csv_rewritten_in_place_is_loaded_again_even_with_the_same_size_and_mtime(tmp_path):
    labels = ["a", "b"] * 10
    path = write_labels(tmp_path / "data.csv", labels)
    assert list(load_dataset(path).y[:2]) == [0, 1]
    stat = os.stat(path)
    write_labels(tmp_path / "data.csv", ["b", "a"] * 10)              # same size, same name
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))           # and the same timestamp
    assert list(load_dataset(path).y[:2]) == [1, 0]


def test_a_large_csv_is_told_apart_by_its_stat(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "HASHED_FILE_BYTES", 0)
    path = write_labels(tmp_path / "big.csv", ["a", "b"] * 10)
    first = load_dataset(path)
    assert load_dataset(path) is first                                # unchanged: a hit
    write_labels(tmp_path / "big.csv", ["a", "b"] * 11)
    assert len(load_dataset(path)) == 22


def test_image_folder_change_is_loaded_again(tmp_path):
    from PIL import Image
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(5):
            Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(tmp_path / cls / f"{i}.png")
    assert len(load_dataset(str(tmp_path))) == 10
    (tmp_path / "bird").mkdir()
    for i in range(5):
        Image.new("RGB", (8, 8), (0, i * 40, 0)).save(tmp_path / "bird" / f"{i}.png")
    again = load_dataset(str(tmp_path))
    assert len(again) == 15 and again.label_names == ["bird", "cat", "dog"]


def test_fingerprints_by_kind(tmp_path):
    assert dataset_fingerprint("wine") == ("registry", "wine")
    assert dataset_fingerprint("someone/some_dataset") == ("hub", "someone/some_dataset")
    path = write_labels(tmp_path / "f.csv", ["a", "b"] * 10)
    assert dataset_fingerprint(path)[0] == "file" and dataset_fingerprint(str(tmp_path))[0] == "folder"


def test_dataset_cache_keeps_the_most_recently_used(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_CACHE", type(datasets._CACHE)())
    monkeypatch.setattr(datasets, "CACHED_DATASETS", 2)
    paths = [write_labels(tmp_path / f"{n}.csv", ["a", "b"] * (10 + n)) for n in range(3)]
    first = load_dataset(paths[0])
    load_dataset(paths[1])
    assert load_dataset(paths[0]) is first                            # used again: now the most recent
    load_dataset(paths[2])
    assert len(datasets._CACHE) == 2 and [k[0] for k in datasets._CACHE] == [paths[0], paths[2]]


def test_another_label_column_is_another_entry(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("text,label,other\n" + "".join(f"t {i},{i % 2},{'x' if i < 10 else 'y'}\n" for i in range(20)))
    assert load_dataset(str(path)).label_names == ["0", "1"]
    assert load_dataset(str(path), label_column="other").label_names == ["x", "y"]


# ---------------------------------------------------------------- similarity search index


def test_similarity_index_follows_a_rewritten_file(tmp_path):
    from workbench.ui.lab_apps import similarity_index
    path = write_labels(tmp_path / "texts.csv", ["a", "b"] * 5)
    _, labels = similarity_index(path, 10, dataset_fingerprint(path))
    assert labels[:2] == ["a", "b"]
    write_labels(tmp_path / "texts.csv", ["c", "d"] * 5)
    _, labels = similarity_index(path, 10, dataset_fingerprint(path))
    assert labels[:2] == ["c", "d"]


# ---------------------------------------------------------------- the Explain page's predictors


def test_explain_page_reloads_the_model_of_a_recreated_run():
    import shutil
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from workbench import RunConfig
    from workbench.ui.common import runner

    tiny = dict(model="mlp", max_steps=2, log_every=1, eval_every=2, hidden_sizes=(8,), save_checkpoints=False)
    cancer, wine = (runner().start(RunConfig.from_flat(dataset=name, **tiny)).wait(120)
                    for name in ("breast_cancer", "wine"))
    page = Path(__file__).resolve().parents[1] / "workbench" / "ui" / "views" / "explain.py"

    def shown_features() -> list[str]:
        at = AppTest.from_file(str(page), default_timeout=60)
        at.query_params["run"] = cancer["id"]
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return list(at.dataframe[0].value.columns)

    assert "mean radius" in shown_features()
    store = runner().store
    shutil.rmtree(store.model_folder(cancer["id"]))                   # the run id's model, deleted and re-created
    shutil.copytree(store.model_folder(wine["id"]), store.model_folder(cancer["id"]))
    assert "alcohol" in shown_features()
