"""Uploads: stored by content hash, unpacked once and atomically, every problem a ValueError that names it."""
import io
import zipfile

import pytest
from PIL import Image

from workbench.core import uploads
from workbench.core.datasets import load_dataset
from workbench.core.uploads import save_upload


@pytest.fixture(autouse=True)
def own_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def png(colour=(200, 0, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 10), colour).save(out, format="PNG")
    return out.getvalue()


def zip_of(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def class_images(classes, per_class=5, top="") -> dict[str, bytes]:
    return {f"{top}{c}/{i}.png": png((40 * i, 30 * n, 0)) for n, c in enumerate(classes) for i in range(per_class)}


def leftovers(home) -> list[str]:
    """Anything under uploads/ besides finished uploads: staging folders, partial files."""
    return [str(p) for p in (home / "uploads").rglob(".*") if p.name != uploads.COMPLETE_MARKER]


CSV = "text,label\n" + "".join(f"review {i} {'good' if i % 2 else 'bad'},{i % 2}\n" for i in range(20))


def test_csv_is_stored_by_content_hash_under_its_own_name(own_home):
    first = save_upload("reviews.csv", CSV.encode())
    assert first.name == "reviews.csv" and first.parent.parent == own_home / "uploads"
    assert save_upload("reviews.csv", CSV.encode()) == first           # the same content: the same file
    changed = save_upload("reviews.csv", CSV.replace(",1\n", ",2\n").encode())
    assert changed != first and first.read_text() == CSV              # the old upload is left as it was
    assert load_dataset(str(changed)).label_names == ["0", "2"]
    assert not leftovers(own_home)


def test_zip_is_unpacked_once_and_reused(own_home, monkeypatch):
    content = zip_of(class_images(["cat", "dog"], top="pets/"))
    folder = save_upload("pets.zip", content)
    assert folder.name == "pets" and load_dataset(str(folder)).label_names == ["cat", "dog"]

    def must_not_unpack(*args):
        raise AssertionError("unpacked a second time")
    monkeypatch.setattr(uploads, "_extract", must_not_unpack)
    assert save_upload("pets.zip", content) == folder
    assert not leftovers(own_home)


def test_reuploaded_zip_with_other_classes_has_only_the_new_classes():
    old = save_upload("animals.zip", zip_of(class_images(["cat", "dog"])))
    new = save_upload("animals.zip", zip_of(class_images(["bird", "fish", "frog"])))
    assert new != old
    assert load_dataset(str(new)).label_names == ["bird", "fish", "frog"]
    assert load_dataset(str(old)).label_names == ["cat", "dog"]


def test_macos_extras_are_not_unpacked():
    files = {**class_images(["a", "b"]), "__MACOSX/a/._0.png": b"resource fork", "a/.DS_Store": b"x"}
    folder = save_upload("mac.zip", zip_of(files))
    assert not (folder / "__MACOSX").exists() and not (folder / "a" / ".DS_Store").exists()
    assert load_dataset(str(folder)).label_names == ["a", "b"]


def test_a_dotted_upload_name_stays_inside_its_folder(own_home):
    folder = save_upload("..zip", zip_of(class_images(["a", "b"])))
    assert folder.parent.parent == own_home / "uploads" and folder.name == "upload"


def corrupted(content: bytes, marker: bytes) -> bytes:
    """The zip with one stored member's data changed, so its CRC no longer matches (found only while reading)."""
    at = content.index(marker)
    return content[:at] + bytes([content[at] ^ 0xFF]) + content[at + 1:]


@pytest.mark.parametrize("files, method, words", [
    ({**class_images(["a", "b"]), "..": b"x"}, zipfile.ZIP_DEFLATED, "unsafe path: '..'"),
    ({**class_images(["a", "b"]), "a/../../evil.png": png()}, zipfile.ZIP_DEFLATED, "unsafe path"),
    ({**class_images(["a", "b"]), "/etc/evil.png": png()}, zipfile.ZIP_DEFLATED, "unsafe path"),
    ({**class_images(["a", "b"]), "b/4.png/x.png": png()}, zipfile.ZIP_DEFLATED, r"Could not unpack 'b/4.png/x.png'"),
    ({**class_images(["a", "b"]), "b/broken.png": b"not a png at all"}, zipfile.ZIP_DEFLATED,
     r"1 of the 11 images in the zip cannot be read: b/broken.png\."),
    ({"notes/readme.txt": b"hello"}, zipfile.ZIP_DEFLATED, "holds no images"),
])
def test_bad_zips_are_refused_by_name_and_leave_nothing(own_home, files, method, words):
    with pytest.raises(ValueError, match=words):
        save_upload("bad.zip", zip_of(files, method))
    assert not list((own_home / "uploads").rglob("*.png")) and not leftovers(own_home)


def test_a_crc_error_during_extraction_is_a_clear_error(own_home):
    files = {**class_images(["a", "b"]), "b/z.png": png() + b"UNIQUE-TAIL" * 4}
    with pytest.raises(ValueError, match=r"Could not unpack 'b/z.png'.*BadZipFile.*CRC"):
        save_upload("crc.zip", corrupted(zip_of(files, zipfile.ZIP_STORED), b"UNIQUE-TAIL"))
    assert not list((own_home / "uploads").rglob("*.png")) and not leftovers(own_home)


def test_many_broken_images_are_counted_and_the_first_few_named():
    files = {**class_images(["a", "b"]), **{f"a/bad{i}.png": b"junk" for i in range(7)}}
    with pytest.raises(ValueError, match=r"7 of the 17 images .*a/bad0.png, .*a/bad4.png \.\.\.") as err:
        save_upload("junk.zip", zip_of(files))
    assert "bad5" not in str(err.value)


def test_caps_on_members_unpacked_size_and_upload_size(monkeypatch):
    content = zip_of(class_images(["a", "b"]))
    monkeypatch.setattr(uploads, "MAX_MEMBERS", 9)
    with pytest.raises(ValueError, match="holds 10 files; the limit is 9"):
        save_upload("many.zip", content)
    monkeypatch.setattr(uploads, "MAX_MEMBERS", 100)
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 100)
    with pytest.raises(ValueError, match="unpacks to more than"):
        save_upload("big.zip", content)
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(ValueError, match="the limit is 0 MB"):
        save_upload("big.csv", CSV.encode())


@pytest.mark.parametrize("name, content, words", [
    ("fake.zip", b"PK not really a zip", "not a valid zip"),
    ("table.xlsx", b"\x00\x01", r"upload a table as \.csv"),
    ("empty.csv", b"", "is empty"),
])
def test_unusable_files_get_a_specific_message(name, content, words):
    with pytest.raises(ValueError, match=words):
        save_upload(name, content)


def test_data_page_shows_upload_problems_and_saves_each_upload_once(monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[1] / "workbench" / "ui" / "views" / "data.py"
    at = AppTest.from_file(str(page), default_timeout=60).run()
    at.radio(key="data.source").set_value("upload a CSV or an image zip").run()
    at.file_uploader(key="data.upload").set_value(("bad.zip", zip_of({"..": b"x"}), "application/zip")).run()
    assert not at.exception and "unsafe path" in at.error[0].value

    calls = []
    real = uploads.save_upload
    monkeypatch.setattr(uploads, "save_upload", lambda *args: calls.append(args[0]) or real(*args))
    table = "id,size,target\n" + "".join(f"row-{i},{i},{i % 2}\n" for i in range(60))
    at.file_uploader(key="data.upload").set_value(("rows.csv", table.encode(), "text/csv")).run()
    at.text_input(key="data.label_column").input("target").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["data_options"]["dataset"].endswith("rows.csv")
    assert any("'id' (60 distinct values)" in info.value for info in at.info)
    assert calls == ["rows.csv"]                                       # two reruns, one save
