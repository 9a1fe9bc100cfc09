import numpy as np
import pytest

from workbench.core.datasets import (REGISTRY, DatasetError, list_datasets, load_dataset, split_dataset, summarize)


@pytest.mark.parametrize("name, kind, n_classes, min_size", [
    ("rotten_tomatoes", "text", 2, 4000), ("sms_spam", "text", 2, 4000), ("mnist", "image", 10, 5000),
    ("digits", "tabular", 10, 1797), ("breast_cancer", "tabular", 2, 569), ("wine", "tabular", 3, 178)])
def test_registry_datasets_load_offline(name, kind, n_classes, min_size):
    ds = load_dataset(name)
    assert (ds.kind, len(ds.label_names)) == (kind, n_classes)
    assert len(ds) >= min_size
    assert set(np.unique(ds.y)) == set(range(n_classes))
    if kind == "image":
        assert ds.x.shape[1:] == (28, 28) and ds.x.dtype == np.uint8


def test_list_datasets_documents_every_entry():
    assert {d["name"] for d in list_datasets()} == set(REGISTRY)
    assert all(d["licence"] and d["source"] for d in list_datasets())


def test_splits_are_stratified_disjoint_and_seeded():
    ds = load_dataset("sms_spam")
    a = split_dataset(ds, 0.1, 0.2, seed=0)
    b = split_dataset(ds, 0.1, 0.2, seed=0)
    c = split_dataset(ds, 0.1, 0.2, seed=1)
    assert np.array_equal(a.test.ids, b.test.ids) and not np.array_equal(a.test.ids, c.test.ids)
    ids = [set(s.ids) for s in (a.train, a.val, a.test)]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert sum(map(len, ids)) == len(ds)
    share = ds.y.mean()
    for split in (a.train, a.val, a.test):
        assert abs(split.y.mean() - share) < 0.02
    assert abs(len(a.test) / len(ds) - 0.2) < 0.01


def test_max_train_samples_keeps_test_fixed():
    ds = load_dataset("rotten_tomatoes")
    full = split_dataset(ds, seed=0)
    small = split_dataset(ds, seed=0, max_train_samples=100)
    assert len(small.train) == 100 and np.array_equal(full.test.ids, small.test.ids)


def test_summary_reports_balance_and_lengths():
    ds = load_dataset("sms_spam")
    s = summarize(ds, split_dataset(ds))
    assert s["class_counts"]["spam"] < s["class_counts"]["ham"]
    assert 0.8 < s["majority_share"] < 0.95
    assert s["words"]["max"] >= s["words"]["mean"] > 0
    assert set(s["splits"]) == {"train", "val", "test"}


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return str(path)


def text_rows(n=20):
    return "".join(f"review number {i} {'good' if i % 2 else 'bad'},{i % 2}\n" for i in range(n))


def test_csv_text_and_tabular(tmp_path):
    text = load_dataset(write(tmp_path / "t.csv", "text,label\n" + text_rows()))
    assert text.kind == "text" and text.label_names == ["0", "1"]
    rows = "".join(f"{i},{i * 2.5},{'a' if i % 3 else 'b'},{'yes' if i % 2 else 'no'}\n" for i in range(30))
    tab = load_dataset(write(tmp_path / "tab.csv", "x,y,colour,outcome\n" + rows), label_column="outcome")
    assert tab.kind == "tabular" and tab.x.shape == (30, 4)  # colour one-hot encoded into two columns
    assert tab.label_names == ["no", "yes"]


@pytest.mark.parametrize("content, kwargs, words", [
    ("text,label\n" + text_rows(), {"label_column": "sentiment"}, "Column 'sentiment'"),
    ("text,label\n" + "".join(f"t{i},1\n" for i in range(20)), {}, "at least two classes"),
    ("text,label\n" + "".join(f"t{i},{i % 2}\n" for i in range(6)), {}, "too few examples"),
    ("text,label\n" + text_rows() + " ,1\n", {}, "empty text"),
    ("text,label\n" + text_rows() + 'a,"b,1\nc,d,e,f\n', {}, "well-formed CSV"),
    ("words,stars\n" + "".join(f"w{i},{i % 2}\n" for i in range(20)), {}, "No label column"),
])
def test_bad_csv_gets_a_specific_message(tmp_path, content, kwargs, words):
    path = write(tmp_path / "bad.csv", content)
    with pytest.raises(DatasetError, match=words):
        load_dataset(path, **kwargs)


def test_non_utf8_file_is_named(tmp_path):
    path = write(tmp_path / "latin.csv", "text,label\n" + text_rows() + "caf\u00e9 olé,1\n", encoding="latin-1")
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_dataset(path)


def test_unknown_name_lists_the_choices():
    with pytest.raises(DatasetError, match="rotten_tomatoes"):
        load_dataset("no_such_dataset")


def test_image_folder(tmp_path):
    from PIL import Image
    for cls in ("cat", "dog"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(6):
            Image.new("RGB", (20, 16), (i * 40, 0, 0)).save(tmp_path / "imgs" / cls / f"{i}.png")
    ds = load_dataset(str(tmp_path / "imgs"))
    assert ds.kind == "image" and ds.label_names == ["cat", "dog"] and len(ds) == 12


def test_hub_code_path_on_local_files(tmp_path):
    folder = tmp_path / "hubdata"
    folder.mkdir()
    (folder / "train.csv").write_text("sentence,label\n" + "".join(f"s {i},{i % 2}\n" for i in range(30)))
    (folder / "test.csv").write_text("sentence,label\n" + "".join(f"t {i},{i % 2}\n" for i in range(10)))
    ds = load_dataset(str(folder))
    assert ds.kind == "text" and len(ds) == 40 and ds.source.startswith("hub:")


def test_max_eval_samples_caps_validation_and_test():
    ds = load_dataset("sms_spam")
    s = split_dataset(ds, seed=0, max_eval_samples=100)
    assert len(s.val) == 100 and len(s.test) == 100 and s.test.y.sum() > 0   # stratified: spam kept


def test_cv_folds_are_disjoint_stratified_and_cover_the_non_test_rows():
    ds = load_dataset("wine")
    plain = split_dataset(ds, seed=3)
    folds = [split_dataset(ds, seed=3, cv_folds=5, cv_fold=k) for k in range(5)]
    non_test = set(ds.ids) - set(plain.test.ids)
    vals = [set(f.val.ids) for f in folds]
    for f, val in zip(folds, vals):
        assert np.array_equal(f.test.ids, plain.test.ids)             # the test split does not move
        assert set(f.train.ids) | val == non_test and not set(f.train.ids) & val
    assert set().union(*vals) == non_test and sum(map(len, vals)) == len(non_test)
    shares = np.bincount(ds.y, minlength=3) / len(ds)
    for f in folds:
        assert np.abs(np.bincount(f.val.y, minlength=3) / len(f.val) - shares).max() < 0.08
    assert vals != [set(split_dataset(ds, seed=4, cv_folds=5, cv_fold=k).val.ids) for k in range(5)]


def test_cv_folds_respect_max_train_samples():
    ds = load_dataset("wine")
    s = split_dataset(ds, seed=0, cv_folds=4, cv_fold=1, max_train_samples=50)
    assert len(s.train) == 50 and not set(s.train.ids) & set(s.val.ids)


def test_cv_folds_need_enough_members_per_class(tmp_path):
    rows = "".join(f"{i},{'rare' if i < 6 else 'common'}\n" for i in range(40))
    ds = load_dataset(write(tmp_path / "rare.csv", "x,label\n" + rows))
    with pytest.raises(DatasetError, match=r"rare \(\d\).*Lower cv_folds"):
        split_dataset(ds, seed=0, cv_folds=8, cv_fold=0)


def customer_table(rows=200):
    plans = ("basic", "plus", "pro")
    return "customer,age,plan,comment,target\n" + "".join(
        f"cust-{i:06d},{20 + i % 50},{plans[i % 3]},comment {i % 120},{i % 2}\n" for i in range(rows))


def test_identifier_and_free_text_columns_are_set_aside_with_a_note(tmp_path):
    ds = load_dataset(write(tmp_path / "customers.csv", customer_table()), label_column="target")
    assert ds.feature_names == ["age", "plan_basic", "plan_plus", "plan_pro"] and ds.x.shape == (200, 4)
    assert len(ds.notes) == 1
    assert "'customer' (200 distinct values)" in ds.notes[0] and "'comment' (120 distinct values)" in ds.notes[0]
    splits = split_dataset(ds)
    assert splits.train.notes == ds.notes and summarize(splits.train, splits)["notes"] == ds.notes
    assert summarize(load_dataset("wine"))["notes"] == []


@pytest.mark.parametrize("limit, value, words", [
    ("MAX_FEATURES", 3, r"200 rows x 4 features would need .*'plan' \(3 values\)"),
    ("MAX_FEATURE_BYTES", 1000, r"200 rows x 4 features would need 0.0 GB"),
])
def test_too_wide_or_too_large_a_table_is_refused_before_it_is_encoded(tmp_path, monkeypatch, limit, value, words):
    import workbench.core.datasets as datasets

    def must_not_encode(*args, **kwargs):
        raise AssertionError("one-hot encoded before the check")
    monkeypatch.setattr(datasets, limit, value)
    monkeypatch.setattr(datasets.pd, "get_dummies", must_not_encode)
    with pytest.raises(DatasetError, match=words):
        load_dataset(write(tmp_path / f"wide_{limit}.csv", customer_table()), label_column="target")
