"""A throw-away PostgreSQL cluster on localhost for tests: initdb into a temporary folder, start on a free port,
remove it afterwards. As root (CI), the server runs as the `postgres` user, since PostgreSQL refuses root."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or where Debian's postgresql package puts them."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(folders[-1]) if folders else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def throwaway_cluster(binaries: Path):
    """Yield the URL of a fresh cluster's `postgres` database (trust authentication, localhost only)."""
    folder = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
    data = folder / "data"
    data.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (folder, data):
            os.chown(path, user.pw_uid, user.pw_gid)
    port = _free_port()
    run = lambda *args: subprocess.run(_as_server_user([str(binaries / args[0]), *args[1:]]),  # noqa: E731
                                       check=True, capture_output=True, text=True)
    try:
        run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """A new empty database on the server; returns its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
