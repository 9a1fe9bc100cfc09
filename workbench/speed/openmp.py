"""OpenMP thread teams: let a background run have the cores to itself.

Each thread that runs a multi-threaded torch operation gets its own team of OpenMP worker threads and keeps it.
Once the process holds more OpenMP threads than cores, libgomp stops spinning between parallel regions and puts its
workers to sleep, and every operation pays for waking them: a run in the runner's thread trained about 1.5x as long
after a notebook's main thread had done one matrix product (bench/background_thread.py). OpenMP 5's
`omp_pause_resource_all` lets the calling thread's team go; its next torch operation builds a new one.
"""
from __future__ import annotations

import ctypes
import functools
import os
import re

OMP_PAUSE_SOFT = 1
_RUNTIME = re.compile(r"/lib(gomp|iomp5|omp)[^/]*\.so[^/]*$")


def _loaded_runtimes() -> list[ctypes.CDLL]:
    """Every OpenMP runtime loaded in this process, found in its memory map: torch's, and any other package's own
    copy (scikit-learn ships one), each with its own teams. Empty where there is no /proc (macOS, Windows)."""
    try:
        with open(f"/proc/{os.getpid()}/maps") as maps:
            # the sixth field is the path, which may hold spaces; a file replaced since it was loaded (a pip
            # upgrade in a running kernel) ends in " (deleted)" and cannot be opened by name
            paths = {fields[5] for fields in (line.rstrip("\n").split(maxsplit=5) for line in maps)
                     if len(fields) == 6 and _RUNTIME.search(fields[5])}
    except OSError:
        return []
    runtimes = []
    for path in sorted(paths):
        try:
            runtime = _open(path)
        except OSError:
            continue
        if hasattr(runtime, "omp_pause_resource_all"):
            runtimes.append(runtime)
    return runtimes


@functools.lru_cache(maxsize=None)
def _open(path: str) -> ctypes.CDLL:
    return ctypes.CDLL(path)


def release_thread_team() -> bool:
    """Let go of the calling thread's OpenMP worker threads, in every loaded runtime. True when at least one runtime
    accepted the request (libgomp frees the thread's team; LLVM's libomp only marks its threads paused); False
    where none is loaded or all predate OpenMP 5. Never raises: it only tunes speed."""
    import torch  # noqa: F401  (loads the runtime whose team matters most)

    # a list, not a generator: every runtime must be asked, not just the first that accepts
    return any([runtime.omp_pause_resource_all(ctypes.c_int(OMP_PAUSE_SOFT)) == 0 for runtime in _loaded_runtimes()])
