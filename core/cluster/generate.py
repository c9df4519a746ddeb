"""``gd-explorer make-data``: a synthetic linear-regression dataset written in row chunks.

Row chunk k holds features ``x_j = μ_j + σ_j·z`` (z standard normal; μ_j uniform in
[−5, 5], σ_j log-uniform in [0.5, 5]) and ``y = X·w + b + noise·ε``, with true coefficients
``w_j`` uniform in [−3, 3] and intercept ``b`` uniform in [−5, 5]. Each chunk is drawn from
its own generator (seed, chunk number), so only one chunk is ever in memory and the same
``--seed`` and ``--chunk-rows`` give the same file. The truth goes to ``OUT.truth.json``
(and, for Zarr, into the array's attributes). The dataset is written under a temporary name
in OUT's folder and renamed onto OUT when complete, so a failed run leaves nothing half
written under OUT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError

#: Data per chunk when --chunk-rows is not given.
CHUNK_BYTES = 64 << 20
_EXTENSIONS = {".parquet": "parquet", ".zarr": "zarr", ".npy": "npy"}


def truth_path(out: Path) -> Path:
    """Where the truth of dataset ``out`` is written: ``OUT.truth.json`` beside it."""
    return out.with_name(out.name + ".truth.json")


def columns(n: int) -> list[str]:
    """The column names of an n-feature dataset: x1..xn, then y."""
    return [f"x{j + 1}" for j in range(n)] + ["y"]


def truth(n: int, seed: int) -> dict[str, Any]:
    """The true coefficients, intercept and feature distributions for ``seed``."""
    rng = np.random.default_rng([seed, 0])
    return {
        "coefficients": [float(v) for v in rng.uniform(-3, 3, n)],
        "intercept": float(rng.uniform(-5, 5)),
        "feature_means": [float(v) for v in rng.uniform(-5, 5, n)],
        "feature_stds": [float(v) for v in np.exp(rng.uniform(math.log(0.5), math.log(5), n))],
    }


def chunks(m: int, n: int, noise: float, seed: int, chunk_rows: int) -> Iterator[np.ndarray]:
    """The dataset as float64 row chunks (rows × (n+1): features, then y)."""
    t = truth(n, seed)
    w, b = np.array(t["coefficients"]), t["intercept"]
    mu, sigma = np.array(t["feature_means"]), np.array(t["feature_stds"])
    for k, start in enumerate(range(0, m, chunk_rows)):
        rows = min(chunk_rows, m - start)
        rng = np.random.default_rng([seed, 1, k])
        block = np.empty((rows, n + 1))
        X = block[:, :n]
        X[:] = rng.standard_normal((rows, n))
        X *= sigma
        X += mu
        y = block[:, n]
        np.matmul(X, w, out=y)
        y += b
        if noise:
            y += noise * rng.standard_normal(rows)
        yield block


def _format_of(out: Path, given: str | None) -> str:
    fmt = _EXTENSIONS.get(out.suffix.lower())
    if given is not None:
        if fmt is not None and fmt != given:  # fit would read it by its name, and fail
            raise InputError(
                f"the name says {fmt} but --format is {given}: name it "
                f"{out.with_suffix('.' + given).name} or drop --format",
                path=str(out),
            )
        return given
    if fmt is None:
        raise InputError(
            "cannot tell the format from the extension: name it .parquet, .zarr or .npy, "
            "or give --format",
            path=str(out),
        )
    return fmt


def _check_out(out: Path, needed: int, force: bool) -> None:
    """InputError when OUT exists (without --force), its folder is missing or read-only,
    or the disk lacks the room."""
    if not str(out).strip() or out.name in ("", ".", ".."):
        raise InputError("the output name is empty; give a file name with --out")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"the folder {str(folder)!r} does not exist", path=str(out))
    for path in (out, truth_path(out)):
        if os.path.lexists(path) and not force:
            raise InputError("exists already; give --force to replace it", path=str(path))
    if out.is_dir() and not out.is_symlink() and not truth_path(out).is_file():
        # --force replaces what make-data wrote (a dataset with its truth file beside it),
        # never a folder of someone's files that happens to have the name
        raise InputError(
            "is a folder that make-data did not write (no "
            f"{truth_path(out).name} beside it); choose another --out",
            path=str(out),
        )
    if not os.access(folder, os.W_OK | os.X_OK) or not _can_write_in(folder):
        raise InputError(f"cannot write in the folder {str(folder)!r}", path=str(out))
    free = shutil.disk_usage(folder).free
    if needed * 1.02 > free:
        raise InputError(
            f"needs about {needed / 1e9:.3g} GB but the disk has {free / 1e9:.3g} GB free",
            path=str(out),
        )


def _can_write_in(folder: Path) -> bool:
    """Whether a file can be made in ``folder``: a probe, as permission bits do not tell a
    read-only mount or a virtual file system (/proc answers root's access check, then
    refuses the file, and reports 0 bytes free)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".gdx-probe.", dir=str(folder))
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def _write_parquet(tmp: Path, blocks: Iterator[np.ndarray], names: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, pa.float64()) for name in names])
    with pq.ParquetWriter(str(tmp), schema, compression="snappy") as writer:
        for block in blocks:
            arrays = [pa.array(block[:, j]) for j in range(block.shape[1])]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))


def _write_zarr(
    tmp: Path, blocks: Iterator[np.ndarray], shape: tuple[int, int], rows: int, attrs: dict
) -> None:
    import zarr

    array = zarr.open_array(str(tmp), mode="w", shape=shape, chunks=(rows, shape[1]), dtype="f8")
    start = 0
    for block in blocks:
        # zarr writes on its own event-loop thread: a Ctrl+C that stopped this wait would
        # leave the write going on into the folder the cleanup is removing
        with _sigint_deferred():
            array[start : start + block.shape[0]] = block
        start += block.shape[0]
    with _sigint_deferred():
        array.attrs.update(attrs)


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """A Ctrl+C pressed inside the block raised (KeyboardInterrupt) only on leaving it.
    Does nothing off the main thread (where signal handlers cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
    if pressed:
        raise KeyboardInterrupt


def _write_npy(tmp: Path, blocks: Iterator[np.ndarray], shape: tuple[int, int]) -> None:
    array = np.lib.format.open_memmap(str(tmp), mode="w+", dtype=np.float64, shape=shape)
    start = 0
    for block in blocks:
        array[start : start + block.shape[0]] = block
        array.flush()  # written pages leave memory as the file grows
        start += block.shape[0]
    del array


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        path.unlink()


def make_data(args: argparse.Namespace, progress: Callable[[str], None] | None = None) -> dict:
    """Write the dataset ``make-data``'s options describe; return the JSON-ready report
    (path, format, shape, chunks, bytes, truth, seconds). Raises InputError for a bad
    OUT, a missing writer library (pyarrow, zarr) or too little disk."""
    out = Path(args.out)
    fmt = _format_of(out, args.format)
    m, n = args.m, args.n
    rows = args.chunk_rows or max(1, CHUNK_BYTES // (8 * (n + 1)))
    rows = min(rows, m)
    needed = m * (n + 1) * 8
    _check_out(out, needed, args.force)
    module = {"parquet": "pyarrow", "zarr": "zarr", "npy": "numpy"}[fmt]
    try:
        __import__(module)
    except ImportError:
        raise InputError(
            f"writing {fmt} needs {module} (pip install 'gd-explorer[cluster]')"
        ) from None
    t = truth(n, args.seed)
    names = columns(n)
    info = {
        "columns": names,
        "target": "y",
        "m": m,
        "n": n,
        "noise": args.noise,
        "seed": args.seed,
        "chunk_rows": rows,
        **t,
    }
    t0 = time.perf_counter()
    blocks = chunks(m, n, args.noise, args.seed, rows)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=str(out.parent or ".")))
    try:
        target = tmp / out.name
        if fmt == "parquet":
            _write_parquet(target, blocks, names)
        elif fmt == "zarr":
            _write_zarr(target, blocks, (m, n + 1), rows, {"gd_explorer": info})
        else:
            _write_npy(target, blocks, (m, n + 1))
        if args.force:
            _remove(out)
        os.replace(target, out)
    except OSError as exc:
        why = f"could not write the dataset ({exc.strerror or exc})"
        raise InputError(why, path=str(out)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.perf_counter() - t0
    tpath = truth_path(out)
    tpath.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    size = (
        sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        if out.is_dir()
        else out.stat().st_size
    )
    return {
        "path": str(out),
        "format": fmt,
        "truth_file": str(tpath),
        "chunks": math.ceil(m / rows),
        "bytes_on_disk": size,
        "elapsed_s": seconds,
        **info,
    }


def format_made(r: dict) -> str:
    """The human-readable make-data report."""
    from core.backend import format_bytes
    from core.cli_report import count_text

    w = ", ".join(f"{v:.6g}" for v in r["coefficients"][:10])
    more = f", … ({r['n']} in all)" if r["n"] > 10 else ""
    return "\n".join(
        [
            f"wrote       {r['path']} ({r['format']}): {count_text(r['m'], 'row')} × "
            f"{count_text(r['n'], 'feature')} + target y, {count_text(r['chunks'], 'chunk')} "
            f"of {count_text(r['chunk_rows'], 'row')}, "
            f"{format_bytes(r['bytes_on_disk'])} in {r['elapsed_s']:.3g} s",
            f"truth       y = X·w + b + noise (σ = {r['noise']:g}), seed {r['seed']}; in "
            f"{r['truth_file']}",
            f"w           {w}{more}",
            f"b           {r['intercept']:.6g}",
        ]
    )
