"""The cluster the dask engine runs on: a local one sized to this machine, or an existing
one from its scheduler's address, and what the report says about it."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from core.errors import InputError

#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT = 10
#: Seconds more for its handshake (a listener that accepts and never answers).
HANDSHAKE_GRACE = 5


def describe(client: Any, kind: str) -> dict[str, Any]:
    """``{"kind", "scheduler", "workers", "threads", "memory_limit_bytes",
    "memory_limit_per_worker_bytes"}`` of ``client``'s cluster (memory limits: the sum
    over workers, and the smallest worker's; 0 where a worker has none)."""
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # older distributed: every worker is listed anyway
        info = client.scheduler_info()
    workers = list(info.get("workers", {}).values())
    limits = [int(w.get("memory_limit") or 0) for w in workers]
    return {
        "kind": kind,
        "scheduler": str(info.get("address") or client.scheduler.address),
        "workers": len(workers),
        "threads": sum(int(w.get("nthreads", 0)) for w in workers),
        "memory_limit_bytes": sum(limits),
        "memory_limit_per_worker_bytes": min(limits) if limits else 0,
    }


def _client_within(client_class: Any, scheduler: str) -> Any:
    """``Client(scheduler)``, given up after :data:`CONNECT_TIMEOUT` + :data:`HANDSHAKE_GRACE`
    seconds in all: Dask's own
    timeout covers the connection, not a listener that accepts it and never answers (a web
    server at that port), which would otherwise wait forever."""
    import queue
    import threading

    def refuse(why: str) -> InputError:
        return InputError(
            f"cannot reach a Dask scheduler at {scheduler!r} ({why}); start one (dask "
            "scheduler) or leave out --scheduler for a local cluster"
        )

    box: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue()

    def attempt() -> None:
        try:
            box.put((client_class(scheduler, timeout=CONNECT_TIMEOUT), None))
        except BaseException as exc:  # handed to the caller's thread below
            box.put((None, exc))

    # a daemon thread: a hung attempt must not keep the command from ending
    threading.Thread(target=attempt, name="dask-connect", daemon=True).start()
    try:
        client, error = box.get(timeout=CONNECT_TIMEOUT + HANDSHAKE_GRACE)
    except queue.Empty:
        raise refuse(
            f"nothing answered as a Dask scheduler within {CONNECT_TIMEOUT + HANDSHAKE_GRACE} s"
        ) from None
    if isinstance(error, MemoryError):  # a reply read as a length of exabytes: not Dask
        raise refuse("what answers there does not speak Dask's protocol") from None
    if isinstance(error, (OSError, TimeoutError, ValueError)):
        raise refuse(f"{type(error).__name__}: {error}") from None
    if error is not None:
        raise error
    return client


@contextlib.contextmanager
def connect(scheduler: str | None) -> Iterator[tuple[Any, dict[str, Any]]]:
    """``(client, description)`` for the run; the cluster (when local) and the client are
    closed on leaving. ``scheduler`` None: a ``distributed.LocalCluster`` with its own
    defaults for this machine (one worker process per few cores, the memory split evenly
    between them). InputError when the scheduler cannot be reached."""
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    cluster = client = None
    try:
        if scheduler is None:
            with sigint_ignored():  # the workers leave Ctrl+C to this process
                cluster = LocalCluster(dashboard_address=":0", silence_logs=logging.CRITICAL)
            client = Client(cluster)
            kind = "local"
        else:
            client = _client_within(Client, scheduler)
            kind = "remote"
        about = describe(client, kind)
        about["start_s"] = time.perf_counter() - t0
        if about["workers"] == 0:
            raise InputError(f"the Dask cluster at {about['scheduler']} has no workers")
        yield client, about
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored inside the block, so that the worker processes a local cluster starts
    there inherit the disposition (a spawn keeps an ignored signal ignored) and never see
    Ctrl+C: a terminal sends it to the whole process group, and each worker would print its
    traceback; this process alone handles it, and closes the cluster. A Ctrl+C pressed
    during the block (the cluster's start, a few seconds) is lost: it cannot be held for
    later, as other threads (BLAS, Arrow) would take it. Does nothing off the main thread
    (where signal handlers cannot be set)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
