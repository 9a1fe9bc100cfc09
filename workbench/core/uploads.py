"""Files users upload through a UI, saved under $WORKBENCH_HOME/uploads/<content hash>/: CSVs as they are, image
zips unpacked. Content decides the folder, so a changed file never mixes with an older upload of the same name and
the same file is stored once."""
from __future__ import annotations

import hashlib
import lzma
import os
import re
import secrets
import shutil
import tempfile
import zipfile
import zlib
from io import BytesIO
from pathlib import Path, PurePosixPath

from .datasets import IMAGE_SUFFIXES
from .store import workbench_home

MAX_UPLOAD_BYTES = 50 * 2**20
MAX_UNPACKED_BYTES = 500 * 2**20
MAX_MEMBERS = 10_000
HASH_CHARS = 16                       # of the sha256 hex digest: the upload's folder name
TABLE_SUFFIXES = (".csv", ".tsv")
COMPLETE_MARKER = ".complete"         # written last into an unpacked zip's folder
SHOWN_BAD_FILES = 5
# What reading a damaged zip member or writing it out can raise (CRC mismatch, truncated or encrypted data,
# a member named like a folder ...)
UNPACK_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
                 zlib.error, lzma.LZMAError)


def uploads_folder() -> Path:
    folder = workbench_home() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(filename: str, content: bytes, file_suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> Path:
    """Store an upload and return the path to pass as `dataset`: uploads/<content hash>/<name>.csv, or for a zip
    of class folders the unpacked folder uploads/<content hash>/<name>/ (every member checked, every image
    verified). `file_suffixes`: the single files accepted (instruction pairs: .csv, .jsonl, .json). The same
    content is stored once; raises ValueError saying what is wrong with the upload."""
    if not content:
        raise ValueError(f"{filename} is empty; choose the file again.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{filename} is {len(content) / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    folder = uploads_folder() / hashlib.sha256(content).hexdigest()[:HASH_CHARS]
    suffix = Path(filename).suffix.lower()
    if suffix == ".zip":
        return _image_root(_unpack_once(content, folder / _safe_stem(filename)))
    if suffix not in file_suffixes:
        raise ValueError(f"{filename}: upload a table as .csv (or .tsv) or images as a .zip of class folders."
                         if file_suffixes == TABLE_SUFFIXES else
                         f"{filename}: upload a file ending in {', '.join(file_suffixes)}.")
    return _store_once(content, folder / f"{_safe_stem(filename)}{suffix}")


def _safe_stem(filename: str) -> str:
    """The file's name without its suffix, reduced to safe characters; never empty, hidden or '..'."""
    stem = Path(filename.replace("\\", "/")).name
    stem = stem[:-len(Path(stem).suffix)] if Path(stem).suffix else stem
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".") or "upload"


def _store_once(content: bytes, target: Path) -> Path:
    if not target.is_file():   # the name holds the content hash: an existing file holds these bytes
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        partial.write_bytes(content)
        os.replace(partial, target)
    return target


def _unpack_once(content: bytes, target: Path) -> Path:
    """Unpack into a staging folder beside `target` and rename it into place once complete (the marker file is
    written last), so a failed or interrupted upload leaves nothing half-unpacked and a repeat is a no-op."""
    if (target / COMPLETE_MARKER).is_file():
        return target
    archive = _open_zip(content)
    members = _checked_members(archive)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=target.parent))
    try:
        _extract(archive, members, staging)
        _verify_images(staging)
        (staging / COMPLETE_MARKER).write_text(f"{len(members)} files\n")
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)   # gone already when the rename succeeded
    return target


def _open_zip(content: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
        raise ValueError(f"The upload is not a valid zip file ({err}); re-create the zip and upload it again.") from err


def _checked_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files to unpack (folders and macOS/hidden extras skipped), after checking paths, count and size."""
    members = [m for m in archive.infolist() if not m.is_dir() and not _is_extra(_member_parts(m.filename))]
    if len(members) > MAX_MEMBERS:
        raise ValueError(f"The zip holds {len(members):,} files; the limit is {MAX_MEMBERS:,}. Upload fewer images.")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise ValueError(f"The zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB; upload fewer or smaller "
                         "images.")
    return members


def _member_parts(name: str) -> tuple[str, ...]:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or ":" in path.parts[0]:
        raise ValueError(f"The zip holds an unsafe path: {name!r}. Zip the class folders themselves, with paths "
                         "relative to the archive.")
    return path.parts


def _is_extra(parts: tuple[str, ...]) -> bool:
    """macOS resource forks (__MACOSX/) and hidden files (.DS_Store, ._x.png) are not data."""
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts)


def _extract(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], folder: Path) -> None:
    for member in members:
        target = folder.joinpath(*_member_parts(member.filename))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
        except UNPACK_ERRORS as err:
            raise ValueError(f"Could not unpack {member.filename!r} from the zip ({type(err).__name__}: {err}). "
                             "The archive is damaged, encrypted or names a file twice; re-create it from the "
                             "class folders and upload it again.") from err


def _verify_images(folder: Path) -> None:
    images = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not images:
        raise ValueError(f"The zip holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}); it should hold one "
                         "folder per class with the images inside.")
    bad = [str(p.relative_to(folder)) for p in images if not _is_readable_image(p)]
    if bad:
        shown = ", ".join(bad[:SHOWN_BAD_FILES]) + (" ..." if len(bad) > SHOWN_BAD_FILES else "")
        raise ValueError(f"{len(bad)} of the {len(images)} images in the zip cannot be read: {shown}. Remove or "
                         "re-save them and upload the zip again.")


def _is_readable_image(path: Path) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.verify()
        return True
    except Exception:   # Pillow raises many types for broken or mislabelled files
        return False


def _move_into_place(staging: Path, target: Path) -> None:
    if target.exists() and not (target / COMPLETE_MARKER).is_file():
        shutil.rmtree(target)   # an unfinished folder from an older version of this code
    try:
        os.rename(staging, target)
    except OSError:
        if not (target / COMPLETE_MARKER).is_file():   # else another upload of the same content finished first
            raise


def _image_root(folder: Path) -> Path:
    """A zip of one top folder holding the class folders: that folder; else the unpacked folder itself."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(entries) == 1 and entries[0].is_dir() and any(p.is_dir() for p in entries[0].iterdir()):
        return entries[0]
    return folder
