"""Files users upload through a UI, saved under $WORKBENCH_HOME/uploads: CSVs as they are, image zips unpacked."""
from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from .store import workbench_home

MAX_UPLOAD_BYTES = 50 * 2**20
MAX_UNPACKED_BYTES = 500 * 2**20


def uploads_folder() -> Path:
    folder = workbench_home() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(filename: str, content: bytes) -> Path:
    """Store an upload and return the path to pass as `dataset`. Zips are unpacked with every member checked."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{filename} is {len(content) / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(filename).name) or "upload"
    target = uploads_folder() / safe
    if safe.lower().endswith(".zip"):
        return _unpack_zip(content, target.with_suffix(""))
    target.write_bytes(content)
    return target


def _unpack_zip(content: bytes, folder: Path) -> Path:
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except zipfile.BadZipFile as err:
        raise ValueError("The upload is not a valid zip file.") from err
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise ValueError("The zip unpacks to more than 500 MB; upload fewer or smaller images.")
    for m in members:
        path = Path(m.filename)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"The zip holds an unsafe path: {m.filename}.")
    archive.extractall(folder)
    # A zip of one top folder holding the class folders: use that folder.
    entries = [p for p in folder.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(entries) == 1 and entries[0].is_dir() and any(p.is_dir() for p in entries[0].iterdir()):
        return entries[0]
    return folder
