"""Columns of strings and numbers stored as plain .npy files, readable memory-mapped.

A million evidence texts as Python strings cost gigabytes; as one UTF-8 buffer plus offsets they cost
their bytes, and a search decodes only the few rows it shows. Keys are found again through a sorted
array of 64-bit hashes (``KeyLookup``), so looking up an evidence key needs no Python dict either.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

_NONE = -1  # offsets of a missing (None) string: its end offset is stored negated minus one


def mapped(path: Path, mmap: bool = True) -> np.ndarray:
    """Load a .npy file memory-mapped (read-only), as a plain ndarray view (no per-access memmap overhead)."""
    array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def key_hash(key: str) -> int:
    """Return the stable signed 64-bit hash of a key (blake2b, so it does not change between processes)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def key_hashes(keys: Iterable[str | None]) -> np.ndarray:
    """Return the (n,) int64 hashes of keys (0 for None)."""
    return np.fromiter((key_hash(k) if k is not None else 0 for k in keys), np.int64)


class TextColumn:
    """An immutable column of optional strings: ``data`` (uint8 UTF-8 bytes) and ``ends`` (int64 end offsets).

    Row i spans ``data[ends[i-1]:ends[i]]`` (``ends[-1]`` of the row before, 0 for the first); a None row
    has a negative end ``-(end + 1)`` so that empty and missing strings stay apart.
    """

    def __init__(self, data: np.ndarray, ends: np.ndarray) -> None:
        self.data = data
        self.ends = ends

    @classmethod
    def from_strings(cls, values: Iterable[str | None]) -> TextColumn:
        """Build a column in memory."""
        chunks, ends, total = [], [], 0
        for value in values:
            if value is None:
                ends.append(-(total + 1))
                continue
            encoded = value.encode("utf-8")
            chunks.append(encoded)
            total += len(encoded)
            ends.append(total)
        data = np.frombuffer(b"".join(chunks), np.uint8) if chunks else np.zeros(0, np.uint8)
        return cls(data, np.asarray(ends, np.int64))

    def __len__(self) -> int:
        return int(self.ends.size)

    def _span(self, row: int) -> tuple[int, int] | None:
        end = int(self.ends[row])
        if end < 0:
            return None
        previous = int(self.ends[row - 1]) if row > 0 else 0
        start = previous if previous >= 0 else -previous - 1
        return start, end

    def __getitem__(self, row: int) -> str | None:
        span = self._span(int(row))
        if span is None:
            return None
        return bytes(self.data[span[0] : span[1]]).decode("utf-8")

    def take(self, rows: Iterable[int]) -> list[str | None]:
        """Return the strings of ``rows``."""
        return [self[int(r)] for r in rows]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def save(self, directory: Path, name: str) -> None:
        """Write ``<name>.data.npy`` and ``<name>.ends.npy``."""
        np.save(directory / f"{name}.data.npy", np.asarray(self.data, np.uint8), allow_pickle=False)
        np.save(directory / f"{name}.ends.npy", np.asarray(self.ends, np.int64), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, name: str, mmap: bool = True) -> TextColumn:
        """Read a column written by ``save`` (or ``TextColumnWriter``), memory-mapped by default."""
        return cls(mapped(directory / f"{name}.data.npy", mmap), mapped(directory / f"{name}.ends.npy", mmap))


class NpyWriter:
    """Append 1-D chunks of one dtype to a ``.npy`` file without holding the whole array in memory.

    The data goes to the file as it comes; ``close`` writes the header (whose length is fixed in advance).
    """

    _HEADER = 128  # bytes reserved for the .npy header (numpy pads its headers to a multiple of 64)

    def __init__(self, path: Path, dtype: np.dtype | type, shape_tail: tuple[int, ...] = ()) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.shape_tail = shape_tail
        self.rows = 0
        self._handle: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._handle.write(b"\0" * self._HEADER)

    def write(self, values: np.ndarray | Sequence) -> None:
        """Append rows."""
        array = np.ascontiguousarray(values, self.dtype)
        if array.shape[1:] != self.shape_tail:
            array = array.reshape((-1, *self.shape_tail))
        self._handle.write(array.tobytes())
        self.rows += int(array.shape[0]) if array.ndim else 1

    def abort(self) -> None:
        """Close the file without finishing it."""
        self._handle.close()

    def close(self) -> Path:
        """Write the header and close the file; return its path."""
        header = {"descr": npy_format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": (self.rows, *self.shape_tail)}
        self._handle.seek(0)
        self._handle.write(_padded_header(header, self._HEADER))
        self._handle.close()
        return self.path


def _padded_header(header: dict, size: int) -> bytes:
    """Return a version 1.0 .npy header of exactly ``size`` bytes."""
    body = repr({k: header[k] for k in ("descr", "fortran_order", "shape")}).encode("latin1")
    magic = npy_format.magic(1, 0)
    room = size - len(magic) - 2
    if len(body) + 1 > room:
        raise ValueError("npy header does not fit the reserved space")
    body = body + b" " * (room - len(body) - 1) + b"\n"
    return magic + len(body).to_bytes(2, "little") + body


class TextColumnWriter:
    """Stream strings into ``<name>.data.npy`` and ``<name>.ends.npy``."""

    def __init__(self, directory: Path, name: str) -> None:
        self.data = NpyWriter(directory / f"{name}.data.npy", np.uint8)
        self.ends = NpyWriter(directory / f"{name}.ends.npy", np.int64)
        self.total = 0

    def write(self, values: Iterable[str | None]) -> None:
        """Append strings (None allowed)."""
        chunks, ends = [], []
        for value in values:
            if value is None:
                ends.append(-(self.total + 1))
                continue
            encoded = value.encode("utf-8")
            chunks.append(encoded)
            self.total += len(encoded)
            ends.append(self.total)
        if chunks:
            self.data.write(np.frombuffer(b"".join(chunks), np.uint8))
        self.ends.write(np.asarray(ends, np.int64))

    def close(self) -> None:
        """Finish both files."""
        self.data.close()
        self.ends.close()

    def abort(self) -> None:
        """Close both files without finishing them."""
        self.data.abort()
        self.ends.abort()


class KeyLookup:
    """Find the rows of string keys through sorted 64-bit hashes (several rows may share a key).

    Args:
        hashes: (n,) int64 hash of each row's key (0 = no key).
        column: the keys themselves, to tell real matches from hash collisions.
    """

    def __init__(self, hashes: np.ndarray, column: TextColumn, order: np.ndarray | None = None) -> None:
        self.column = column
        self.order = np.argsort(hashes, kind="stable") if order is None else order
        self.sorted = np.asarray(hashes)[self.order]

    def rows(self, key: str) -> list[int]:
        """Return every row whose key is ``key``, in row order."""
        target = key_hash(key)
        left = int(np.searchsorted(self.sorted, target, "left"))
        right = int(np.searchsorted(self.sorted, target, "right"))
        found = sorted(int(r) for r in self.order[left:right])
        return [r for r in found if self.column[r] == key]

    def first(self, keys: Sequence[str]) -> np.ndarray:
        """Return the (len(keys),) first row of each key, -1 for unknown keys."""
        if not len(keys):
            return np.zeros(0, np.int64)
        targets = key_hashes(keys)
        left = np.searchsorted(self.sorted, targets, "left")
        out = np.full(len(keys), -1, np.int64)
        for i, key in enumerate(keys):
            position = int(left[i])
            while position < self.sorted.size and self.sorted[position] == targets[i]:
                row = int(self.order[position])
                if self.column[row] == key:
                    out[i] = row if out[i] < 0 else min(out[i], row)
                position += 1
        return out

    def save(self, directory: Path, name: str) -> None:
        """Write the sorted hashes and their rows."""
        np.save(directory / f"{name}.hash.npy", self.sorted, allow_pickle=False)
        np.save(directory / f"{name}.order.npy", self.order.astype(np.int64), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, name: str, column: TextColumn) -> KeyLookup:
        """Read a lookup written by ``save`` (memory-mapped)."""
        lookup = cls.__new__(cls)
        lookup.column = column
        lookup.sorted = mapped(directory / f"{name}.hash.npy")
        lookup.order = mapped(directory / f"{name}.order.npy")
        return lookup


def directory_bytes(path: Path) -> int:
    """Return the total size of the files under ``path``."""
    return sum(entry.stat().st_size for entry in Path(path).rglob("*") if entry.is_file())


def fsync_directory(path: Path) -> None:
    """Flush a directory entry to disk (best effort)."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
