"""Read a PyTorch *legacy* (pre-1.6) ``.pth`` state dict into numpy arrays, without torch.

The legacy format is a plain sequence of pickles written to one file:

1. the magic number ``0x1950a86a20f9469cfc6c``;
2. the protocol version (1001);
3. a dict of system facts (``little_endian``, ``type_sizes``);
4. the object itself (here an ``OrderedDict`` of tensors).  Each tensor is pickled as a call of
   ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` whose storage is a
   *persistent id* ``("storage", torch.FloatStorage, key, location, numel, view_metadata)``;
5. the list of storage keys, in the order their bytes follow;
6. for each of those keys: the number of elements as a little-endian int64, then the raw elements.

Only the handful of globals such a file needs are allowed (an ``OrderedDict``, the tensor rebuild
functions and the storage types); anything else is refused, so reading a file cannot run code.
"""

from __future__ import annotations

import collections
import os
import pickle
import struct
from typing import Any, BinaryIO

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

_STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "DoubleStorage": np.dtype("<f8"),
    "FloatStorage": np.dtype("<f4"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class LegacyPthError(ValueError):
    """The file is not a legacy PyTorch checkpoint this reader understands."""


class _StorageType:
    """Stands in for ``torch.FloatStorage`` and friends while unpickling."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


class _Storage:
    """A storage whose bytes come after the pickles; filled in by :func:`load_legacy_pth`."""

    def __init__(self, key: str, dtype: np.dtype[Any], numel: int):
        self.key = key
        self.dtype = dtype
        self.numel = numel
        self.data: np.ndarray | None = None


class _Tensor:
    """A tensor waiting for its storage's bytes."""

    def __init__(self, storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def materialise(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise LegacyPthError(f"storage {self.storage.key} has no data in the file")
        if 0 in self.size:
            return np.empty(self.size, dtype=data.dtype)
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if self.offset < 0 or min(self.stride, default=0) < 0 or last >= data.size:
            raise LegacyPthError(f"tensor runs past the end of storage {self.storage.key}")
        item = data.itemsize
        view = np.lib.stride_tricks.as_strided(data[self.offset:], shape=self.size,
                                               strides=tuple(s * item for s in self.stride))
        return np.array(view, copy=True)  # contiguous, owns its memory


def _rebuild_tensor_v2(storage: _Storage, storage_offset: int, size: tuple[int, ...], stride: tuple[int, ...],
                       requires_grad: bool = False, backward_hooks: Any = None, *rest: Any) -> _Tensor:
    return _Tensor(storage, storage_offset, size, stride)


def _rebuild_tensor(storage: _Storage, storage_offset: int, size: tuple[int, ...],
                    stride: tuple[int, ...]) -> _Tensor:
    return _Tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data: _Tensor, requires_grad: bool = False, backward_hooks: Any = None) -> _Tensor:
    return data


_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, fh: BinaryIO):
        super().__init__(fh)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise LegacyPthError(f"refusing to load {module}.{name} from a checkpoint") from None

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise LegacyPthError(f"unexpected persistent id {pid!r:.80}")
        _, storage_type, key, _location, numel = pid[:5]
        view = pid[5] if len(pid) > 5 else None
        if not isinstance(storage_type, _StorageType):
            raise LegacyPthError(f"unexpected storage type {storage_type!r:.80}")
        if view is not None:
            raise LegacyPthError("storage views are not supported")
        key = str(key)
        storage = self.storages.get(key)
        if storage is None:
            storage = self.storages[key] = _Storage(key, storage_type.dtype, int(numel))
        return storage


def _plain_load(fh: BinaryIO) -> Any:
    """Unpickle one of the small header pickles (numbers, strings, dicts, lists only)."""
    return _HeaderUnpickler(fh).load()


class _HeaderUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise LegacyPthError(f"unexpected {module}.{name} in a checkpoint header")


def load_legacy_pth(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The state dict in ``path`` as ``{name: numpy array}`` (same shapes and dtypes as torch's)."""
    with open(path, "rb") as fh:
        try:
            magic = _plain_load(fh)
            if magic != MAGIC_NUMBER:
                raise LegacyPthError("not a legacy PyTorch file (bad magic number; a zip-format "
                                     "checkpoint from torch >= 1.6 needs another reader)")
            version = _plain_load(fh)
            if version != PROTOCOL_VERSION:
                raise LegacyPthError(f"unsupported legacy protocol version {version!r}")
            sys_info = _plain_load(fh)
            if not isinstance(sys_info, dict) or not sys_info.get("little_endian", False):
                raise LegacyPthError("only little-endian checkpoints are supported")
            unpickler = _RestrictedUnpickler(fh)
            obj = unpickler.load()
            keys = _plain_load(fh)
        except (pickle.UnpicklingError, EOFError, struct.error) as exc:
            raise LegacyPthError(f"damaged checkpoint ({exc})") from None
        if not isinstance(keys, list):
            raise LegacyPthError("damaged checkpoint (no storage key list)")
        for key in keys:
            storage = unpickler.storages.get(str(key))
            if storage is None:
                raise LegacyPthError(f"the file holds bytes for an unknown storage {key!r}")
            head = fh.read(8)
            if len(head) != 8:
                raise LegacyPthError("truncated checkpoint")
            (numel,) = struct.unpack("<q", head)
            if numel != storage.numel:
                raise LegacyPthError(f"storage {key}: {numel} elements on disk, {storage.numel} declared")
            raw = fh.read(numel * storage.dtype.itemsize)
            if len(raw) != numel * storage.dtype.itemsize:
                raise LegacyPthError("truncated checkpoint")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    if not isinstance(obj, dict):
        raise LegacyPthError(f"expected a state dict, found {type(obj).__name__}")
    out: dict[str, np.ndarray] = {}
    for name, value in obj.items():
        if not isinstance(value, _Tensor):
            raise LegacyPthError(f"{name}: not a tensor")
        out[str(name)] = value.materialise()
    return out
