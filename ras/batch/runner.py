"""Where a batch's recordings are analysed: here, in local processes, or on a Dask cluster.

Each runner yields ``(index, RecordingResult)`` as recordings finish (any order); the
arithmetic is :func:`ras.batch.recording.batch_task` everywhere, so the results do not depend
on where it ran. ``jobs == 1`` runs in this process (no start-up cost, what a single file
uses); ``jobs > 1`` a ``concurrent.futures.ProcessPoolExecutor`` (forked on Linux, so the
workers inherit the analysis modules this process imported once); ``scheduler`` a
``dask.distributed.Client(ADDRESS)``, whose workers need ras importable (the same
installation).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ras.batch.recording import AnalyseSettings, RecordingResult, batch_task
from ras.errors import UserInputError

__all__ = ["default_jobs", "run_batch"]

#: Seconds a Dask scheduler has to answer before it counts as unreachable.
CONNECT_TIMEOUT_S = 10.0

Done = Iterator[tuple[int, RecordingResult]]


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _in_process(paths: tuple[str, ...], settings: AnalyseSettings) -> Done:
    for k, p in enumerate(paths):
        yield k, batch_task(p, settings)


def _preload() -> None:
    """Import the analysis once before forking, so no worker pays for it again."""
    import analysis.pipeline
    import analysis.summary  # noqa: F401


def _processes(paths: tuple[str, ...], settings: AnalyseSettings, jobs: int) -> Done:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    if "fork" in methods:
        _preload()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(batch_task, p, settings): k for k, p in enumerate(paths)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()


def _unreachable(address: str, why: str) -> UserInputError:
    return UserInputError(f"cannot reach the Dask scheduler at {address}: {why[:200]}")


def _probe(address: str) -> None:
    """Fail at once, in one line, when a ``tcp://`` scheduler refuses or cannot be resolved
    (Dask itself retries until its timeout)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:
        raise _unreachable(address, "the port is not a number") from None
    if parts.scheme != "tcp" or not parts.hostname or port is None:
        return  # another protocol (inproc, tls, ucx): Dask checks it
    try:
        socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        raise _unreachable(address, err.strerror or str(err) or type(err).__name__) from None


def _dask_client(address: str):  # type: ignore[no-untyped-def]
    """A connected ``dask.distributed.Client``, or one line naming the address."""
    _probe(address)
    try:
        from distributed import Client
    except ImportError:
        raise UserInputError(
            "--scheduler needs dask.distributed; install ras with the 'cluster' extra "
            "(pip install -e '.[cluster]')"
        ) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as err:
        why = " ".join(str(err).split()) or type(err).__name__
        raise UserInputError(f"cannot reach the Dask scheduler at {address}: {why[:200]}") from None


def _dask(paths: tuple[str, ...], settings: AnalyseSettings, client) -> Done:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from pathlib import Path

    from distributed import as_completed

    try:
        # absolute paths: a worker's folder need not be ours (the files must be on a file
        # system every worker sees); the results keep the paths as given
        absolute = [str(Path(p).resolve()) for p in paths]
        futures = client.map(batch_task, absolute, settings=settings, pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        for fut in as_completed(futures):
            k = index[fut.key]
            yield k, replace(fut.result(), path=paths[k])
    finally:
        client.close()


def run_batch(
    paths: tuple[str, ...],
    settings: AnalyseSettings,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
) -> Done:
    """Analyse ``paths``; yields ``(index into paths, result)`` as each finishes.

    Connects to ``scheduler`` before returning (an unreachable one raises UserInputError).

    Parameters
    ----------
    jobs : int
        Local processes (1: this process); ignored with ``scheduler``.
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:8786``); the work goes there.
    """
    if scheduler is not None:
        return _dask(paths, settings, _dask_client(scheduler))
    if jobs <= 1 or len(paths) <= 1:
        return _in_process(paths, settings)
    return _processes(paths, settings, min(jobs, len(paths)))
