import random

import numpy as np
import pytest
import torch

from conftest import tiny_tabular
from workbench.core.augment import SYNONYMS, augment_images, augment_text, augment_texts
from workbench.core.config import ConfigError, DataConfig, RunConfig
from workbench.core.datasets import load_dataset, split_dataset
from workbench.core.inputs import ImageSplit
from workbench.core.perturb import apply_perturbations
from workbench.core.runner import prepare_splits


def _splits(dataset="breast_cancer", seed=0, **data):
    return prepare_splits(RunConfig.from_flat(dataset=dataset, seed=seed, **data).validate())


def _same(a, b) -> bool:
    return (np.array_equal(a.ids, b.ids) and np.array_equal(a.y, b.y)
            and np.array_equal(np.asarray(a.x), np.asarray(b.x)))


def _assert_eval_splits_clean(clean, perturbed):
    assert _same(clean.val, perturbed.val) and _same(clean.test, perturbed.test)


def test_reduce_class_keeps_the_requested_share_of_that_class_only():
    clean, rare = _splits(), _splits(reduce_class="malignant", reduce_to=0.2)
    before, after = np.bincount(clean.train.y), np.bincount(rare.train.y)
    assert after[0] == round(0.2 * before[0]) and after[1] == before[1]     # 0 = malignant, 1 = benign
    assert set(rare.report.removed_ids) == set(clean.train.ids) - set(rare.train.ids)
    assert np.array_equal(_splits(reduce_class="0", reduce_to=0.2).train.ids, rare.train.ids)   # by index
    _assert_eval_splits_clean(clean, rare)


def test_label_noise_flips_the_requested_share_to_other_classes_and_records_them():
    clean, noisy = _splits("wine"), _splits("wine", label_noise=0.2)
    changed = clean.train.ids[clean.train.y != noisy.train.y]
    assert len(changed) == round(0.2 * len(clean.train))
    assert np.array_equal(np.sort(changed), np.sort(noisy.flipped_ids))
    truth = dict(zip(clean.train.ids, clean.train.y))
    assert noisy.report.original_labels == {int(i): int(truth[i]) for i in changed}
    assert np.array_equal(clean.train.x, noisy.train.x)
    assert len(set(noisy.train.y[np.isin(noisy.train.ids, changed)])) > 1   # flips land on several classes
    _assert_eval_splits_clean(clean, noisy)


def test_perturbations_are_reproducible_with_the_seed():
    a, b, c = (_splits(label_noise=0.1, leak_fraction=0.1, seed=s) for s in (0, 0, 1))
    assert np.array_equal(a.flipped_ids, b.flipped_ids) and np.array_equal(a.report.leaked_ids, b.report.leaked_ids)
    assert not np.array_equal(a.flipped_ids, c.flipped_ids)


def test_leakage_copies_test_rows_into_training_with_their_ids():
    clean, leaky = _splits(), _splits(leak_fraction=0.1)
    leaked = leaky.report.leaked_ids
    assert len(leaked) == round(0.1 * len(clean.test)) and set(leaked) <= set(clean.test.ids)
    assert len(leaky.train) == len(clean.train) + len(leaked)
    in_train = np.isin(leaky.train.ids, leaked)
    in_test = np.isin(clean.test.ids, leaked)
    assert np.array_equal(leaky.train.x[in_train], clean.test.x[in_test])
    assert np.array_equal(leaky.train.y[in_train], clean.test.y[in_test])
    _assert_eval_splits_clean(clean, leaky)


def test_text_augmentation_adds_labelled_copies_with_new_ids_reproducibly():
    ds = load_dataset("sms_spam")
    clean = split_dataset(ds, seed=0, max_train_samples=60, max_eval_samples=20)
    data = DataConfig(augment="text_mix")
    a, b = apply_perturbations(clean, data, seed=0), apply_perturbations(clean, data, seed=0)
    n = len(clean.train)
    assert len(a.train) == 2 * n and a.train.x == b.train.x
    copies = a.train.ids[n:]
    assert (copies < 0).all() and a.report.augmented_from == dict(zip(copies.tolist(), clean.train.ids.tolist()))
    assert np.array_equal(a.train.y[n:], clean.train.y)          # labels kept
    assert sum(x != y for x, y in zip(a.train.x[n:], clean.train.x)) > n // 2
    assert apply_perturbations(clean, data, seed=1).train.x != a.train.x
    _assert_eval_splits_clean(clean, a)


@pytest.mark.parametrize("options, message", [
    (dict(reduce_class="tumour", reduce_to=0.5), "malignant, benign"),
    (dict(reduce_class="7", reduce_to=0.5), "index from 0 to 1"),
    (dict(reduce_to=0.5), "needs reduce_class"),
    (dict(augment="text_swap"), "tabular data"),
    (dict(augment="image_basic"), "tabular data"),
    (dict(augment="image_crop"), "tabular data"),
    (dict(leak_fraction=0.1, leak_edit="mixed"), "edits texts"),
])
def test_perturbations_that_do_not_fit_raise_a_clear_error(options, message):
    with pytest.raises(ConfigError, match=message):
        _splits(**options)


def test_image_augmentation_is_refused_for_text_with_the_text_choices_named():
    clean = split_dataset(load_dataset("sms_spam"), seed=0, max_train_samples=20, max_eval_samples=10)
    with pytest.raises(ConfigError, match="text_swap, text_delete"):
        apply_perturbations(clean, DataConfig(augment="image_basic"), seed=0)


def test_a_run_with_label_noise_and_leakage_trains_end_to_end(runner):
    cfg = tiny_tabular(label_noise=0.2, leak_fraction=0.1)
    snap = runner.start(cfg).wait(120)
    assert snap["status"] == "finished", snap["error"]
    assert len(prepare_splits(cfg).flipped_ids) == round(0.2 * len(_splits("wine").train))


# ---------------------------------------------------------------- core/augment.py


def test_word_edits_swap_delete_and_replace_synonyms():
    text = "the plot was boring but the actor was great and the ending was good"
    words = text.split()
    swapped = augment_text(text, "swap", random.Random(0), alpha=0.2)
    assert sorted(swapped.split()) == sorted(words) and swapped != text
    deleted = augment_text(text, "delete", random.Random(0), alpha=0.3).split()
    assert 0 < len(deleted) < len(words) and all(w in words for w in deleted)
    replaced = augment_text("The movie was Great, truly.", "synonym", random.Random(0), alpha=1.0).split()
    assert replaced[1] in SYNONYMS["movie"] and replaced[3].rstrip(",") in [w.capitalize() for w in SYNONYMS["great"]]
    assert replaced[3].endswith(",") and replaced[0] == "The"


def test_text_augmentation_is_seeded():
    texts = ["a good film with a bad ending", "call me when you are free tonight", "what a dull and tedious plot"]
    assert augment_texts(texts, "mix", seed=3) == augment_texts(texts, "mix", seed=3)
    assert augment_texts(texts, "mix", seed=3) != augment_texts(texts, "mix", seed=4)
    with pytest.raises(ValueError, match="swap, delete, synonym, mix"):
        augment_texts(texts, "shuffle", seed=0)


def test_synonym_groups_do_not_overlap():
    assert all(word not in others for word, others in SYNONYMS.items())
    assert all(word in SYNONYMS[other] for word, others in SYNONYMS.items() for other in others)


def test_near_duplicate_leakage_edits_the_copies_in_turn_and_records_their_kinds():
    from workbench.lab.data_quality import normalize_text

    clean = _splits("rotten_tomatoes", max_train_samples=60, max_eval_samples=40)
    leaky = _splits("rotten_tomatoes", max_train_samples=60, max_eval_samples=40, leak_fraction=0.2,
                    leak_edit="mixed")
    leaked, kinds = leaky.report.leaked_ids, leaky.report.leak_kinds
    assert len(kinds) == len(leaked) == 8 and kinds[:4] == ["exact", "casing", "punctuation", "word"]
    original = dict(zip(clean.test.ids.tolist(), clean.test.x))
    copies = dict(zip(leaky.train.ids.tolist(), leaky.train.x))
    for i, kind in zip(leaked.tolist(), kinds):
        before, after = original[i], copies[i]
        if kind == "exact":
            assert after == before
        elif kind == "casing":
            assert after == before.upper() != before
        elif kind == "punctuation":
            assert after != before and normalize_text(after) == normalize_text(before)
        else:
            assert normalize_text(after) != normalize_text(before)
            assert sum(a != b for a, b in zip(after.split(), before.split())) == 1
    _assert_eval_splits_clean(clean, leaky)


def test_image_crops_without_flips_never_mirror():
    image = torch.zeros(1, 3, 16, 16)
    image[..., :8] = 1.0                                          # bright left half
    kept = augment_images(image.repeat(32, 1, 1, 1), torch.Generator().manual_seed(0), min_scale=1.0, brightness=0,
                          flip=False)
    mirrored = augment_images(image.repeat(32, 1, 1, 1), torch.Generator().manual_seed(0), min_scale=1.0,
                              brightness=0)
    assert all(img[..., :4].mean() > img[..., 12:].mean() for img in kept)
    assert any(img[..., :4].mean() < img[..., 12:].mean() for img in mirrored)


def test_image_augmentation_is_seeded_and_stays_in_range():
    images = torch.linspace(-1, 1, 4 * 3 * 32 * 32).reshape(4, 3, 32, 32)
    a = augment_images(images, torch.Generator().manual_seed(0))
    b = augment_images(images, torch.Generator().manual_seed(0))
    c = augment_images(images, torch.Generator().manual_seed(1))
    assert a.shape == images.shape and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= -1 and a.max() <= 1 and not torch.allclose(a, images, atol=1e-3)
    flat = augment_images(torch.zeros(2, 3, 16, 16), brightness=0.1)       # a flat image only gets brighter/darker
    assert all(len(img.unique()) == 1 and abs(img.unique().item()) <= 0.2 + 1e-6 for img in flat)


def test_training_image_split_augments_each_access_and_the_plain_one_does_not():
    images = np.random.default_rng(0).integers(0, 255, size=(3, 24, 24), dtype=np.uint8)
    plain, augmented = ImageSplit(images, np.array([0, 1, 0]), 24), ImageSplit(images, np.array([0, 1, 0]), 24, True)
    assert torch.equal(plain[0]["pixel_values"], plain[0]["pixel_values"])
    torch.manual_seed(0)
    first, second = augmented[0]["pixel_values"], augmented[0]["pixel_values"]
    assert first.shape == plain[0]["pixel_values"].shape and not torch.equal(first, second)
    assert augmented[1]["labels"] == 1


def test_image_augmentation_trains_end_to_end(runner):
    from workbench import RunConfig
    cfg = RunConfig.from_flat(dataset="mnist", model="efficientnet_lite0", max_train_samples=64, max_eval_samples=40,
                              image_size=32, max_steps=3, batch_size=16, augment="image_basic",
                              save_checkpoints=False, save_model=False, log_every=1)
    snap = runner.start(cfg).wait(300)
    assert snap["status"] == "finished", snap.get("error")
    assert snap["step"] == 3
