import numpy as np
import pytest

from workbench.cli import main
from workbench.core.config import DataConfig, RunConfig
from workbench.lab.data_quality import (MemoEncoder, find_duplicates, make_encoder, normalize_text, precision_at_k,
                                    rank_label_noise)
from workbench.core.datasets import Dataset, DatasetError, Splits, load_dataset, split_dataset
from workbench.core.perturb import apply_perturbations
from workbench.analysis.plots import fig_duplicate_summary, fig_label_noise
from workbench.core.runner import prepare_splits


@pytest.fixture(scope="module")
def minilm():
    """The real offline MiniLM, shared by the tests below (a random tiny encoder cannot tell paraphrases apart)."""
    return make_encoder()


def _text_splits(n_train=40, n_eval=15) -> Splits:
    ds = load_dataset("rotten_tomatoes")
    return split_dataset(ds, seed=0, max_train_samples=n_train, max_eval_samples=n_eval)


def _with_extra_train(splits: Splits, texts: list[str], labels: list[int]) -> Splits:
    t = splits.train
    train = Dataset(t.name, t.kind, t.x + texts, np.concatenate([t.y, labels]), t.label_names,
                    np.concatenate([t.ids, -1 - np.arange(len(texts))]))
    return Splits(train, splits.val, splits.test)


def test_normalized_text_ignores_case_punctuation_and_spacing():
    assert normalize_text("Hello,  WORLD!!") == normalize_text("hello world") == "hello world"
    assert normalize_text(":)") == ":)"        # nothing but punctuation: compared as it is


def test_leaked_tabular_rows_are_found_as_exact_copies():
    clean = prepare_splits(RunConfig.from_flat(dataset="breast_cancer"))
    assert find_duplicates(clean).summary["exact_pairs"] == 0
    leaky = prepare_splits(RunConfig.from_flat(dataset="breast_cancer", leak_fraction=0.1))
    report = find_duplicates(leaky)
    pairs = report.pairs
    assert set(pairs.kind) == {"exact"} and set(zip(pairs.split_a, pairs.split_b)) == {("train", "test")}
    assert sorted(pairs.id_b) == sorted(leaky.report.leaked_ids) and (pairs.id_a == pairs.id_b).all()
    assert report.summary["test_with_copy_in_train"] == len(leaky.report.leaked_ids)
    assert report.summary["test_share_with_copy_in_train"] == pytest.approx(len(leaky.report.leaked_ids) / 114)


def test_identical_images_are_found_across_splits_and_repeats_within_a_split_are_counted():
    images = np.random.default_rng(0).integers(0, 256, size=(12, 8, 8), dtype=np.uint8)
    make = lambda index, ids: Dataset("pixels", "image", images[index], np.array([0, 1] * (len(index) // 2)),  # noqa
                                      ["a", "b"], np.array(ids))
    splits = Splits(make([0, 1, 2, 3, 3, 4], [0, 1, 2, 3, 4, 5]), make([5, 6], [6, 7]), make([7, 1], [8, 9]))
    report = find_duplicates(splits)
    assert report.pairs[["split_a", "id_a", "split_b", "id_b"]].values.tolist() == [["train", 1, "test", 9]]
    assert report.summary["repeats_within"] == {"train": 1, "val": 0, "test": 0}


def test_text_copies_are_found_exact_after_normalising_and_near_after_a_changed_word(minilm):
    splits = _text_splits()
    longest = sorted(range(len(splits.test)), key=lambda i: -len(splits.test.x[i].split()))
    exact_source, near_source = (splits.test.x[i] for i in longest[:2])
    shouted = exact_source.upper() + " !!"
    words = near_source.split()
    words[len(words) // 2] = "remarkably"
    edited = " ".join(words)
    report = find_duplicates(_with_extra_train(splits, [shouted, edited], [0, 1]), encoder=minilm)
    test_ids = {text: i for text, i in zip(splits.test.x, splits.test.ids)}
    found = {(row.kind, row.id_b) for row in report.pairs.itertuples() if row.split_b == "test"}
    assert ("exact", test_ids[exact_source]) in found and ("near", test_ids[near_source]) in found
    near = report.pairs[report.pairs.kind == "near"]
    assert (near.similarity >= 0.95).all() and len(near) == 1 and near.text_a.iloc[0] == edited
    assert report.summary["test_with_copy_in_train"] == 2


def test_near_threshold_none_skips_embeddings_and_bad_thresholds_are_refused():
    splits = _text_splits(20, 10)
    assert find_duplicates(splits, near_threshold=None, encoder="/no/such/model").summary["near_pairs"] == 0
    with pytest.raises(ValueError, match="near_threshold"):
        find_duplicates(splits, near_threshold=1.5)


def test_label_noise_ranking_puts_flipped_tabular_labels_first():
    noisy = prepare_splits(RunConfig.from_flat(dataset="breast_cancer", label_noise=0.1))
    ranking = rank_label_noise(noisy)
    assert len(ranking) == len(noisy.train) and ranking.given_probability.is_monotonic_increasing
    assert ranking.flipped.sum() == len(noisy.flipped_ids)
    assert precision_at_k(ranking, noisy.flipped_ids) > 2 * 0.1
    assert precision_at_k(ranking, noisy.flipped_ids, k=10) >= 0.7


def test_label_noise_ranking_works_on_texts_with_frozen_minilm(minilm):
    clean = split_dataset(load_dataset("sms_spam"), seed=0, max_train_samples=150, max_eval_samples=10)
    noisy = apply_perturbations(clean, DataConfig(label_noise=0.1), seed=0)
    ranking = rank_label_noise(noisy, encoder=minilm)
    assert "text" in ranking and precision_at_k(ranking, noisy.flipped_ids) > 2 * 0.1


def test_label_noise_ranking_works_on_image_pixels():
    clean = split_dataset(load_dataset("mnist"), seed=0, max_train_samples=200, max_eval_samples=10)
    noisy = apply_perturbations(clean, DataConfig(label_noise=0.1), seed=0)
    assert precision_at_k(rank_label_noise(noisy, folds=3), noisy.flipped_ids) > 2 * 0.1


def test_ranking_needs_enough_examples_per_class_for_the_folds():
    few = prepare_splits(RunConfig.from_flat(dataset="wine", reduce_class="0", reduce_to=0.05))
    with pytest.raises(DatasetError, match="Lower folds"):
        rank_label_noise(few, folds=5)


def test_memo_encoder_embeds_each_distinct_text_once():
    class Counting:
        def __init__(self):
            self.seen = []

        def embed(self, texts):
            self.seen += texts
            return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    inner = Counting()
    memo = MemoEncoder(inner)
    out = memo.embed(["ab", "abc", "ab"])
    assert memo.embed(["abc"]).tolist() == [[3.0, 1.0]] and out[:, 0].tolist() == [2, 3, 2]
    assert inner.seen == ["ab", "abc"]


def test_quality_figures_draw_the_counts():
    fig = fig_label_noise([0.1, 0.9, 0.8, 0.05], flipped=[True, False, False, True])
    assert [len(t.x) for t in fig.data] == [2, 2] and "flipped (2)" in fig.data[1].name
    summary = {"pairs_by_splits": {"train-val": {"exact": 1, "near": 0}, "train-test": {"exact": 3, "near": 2},
                                   "val-test": {"exact": 0, "near": 0}}, "test_share_with_copy_in_train": 0.05}
    fig = fig_duplicate_summary(summary)
    assert list(fig.data[0].y) == [1, 3, 0] and list(fig.data[1].y) == [0, 2, 0] and "5.0%" in fig.layout.title.text


def test_quality_command_prints_copies_and_suspects(capsys):
    assert main(["quality", "--dataset", "wine", "--label-noise", "0.1", "--leak-fraction", "0.1", "--top", "3"]) == 0
    out = capsys.readouterr().out
    flipped = round(0.1 * len(prepare_splits(RunConfig.from_flat(dataset="wine")).train))
    assert "test examples with a copy in training: 4 (11.1%)" in out and f"flipped {flipped}, leaked 4" in out
    assert f"precision@{flipped} against the {flipped} flipped labels" in out and "near copies" not in out
