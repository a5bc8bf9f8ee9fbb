"""A few small grey thumbnails per second: the raw material of every fingerprint.

The clip's own thumbnails come from the one decode pass (``verify/analyzers/fingerprints.py`` calls
:class:`Sampler` with each frame); known footage is read here with the same decoder and the same
sampling, so both sides see the same pictures.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..decode import Frame

SAMPLES_PER_SECOND = 4.0  # the clip being checked (shares the keyframe picker's frames)
REF_SAMPLES_PER_SECOND = 8.0  # known footage: denser, so a clip sample is never far from one
THUMB_LONG = 128  # long side of the grey thumbnails fingerprints and checks work on


def grey_thumb(rgb: np.ndarray) -> np.ndarray:
    """Grey thumbnail (``THUMB_LONG`` on its long side) of an RGB picture."""
    h, w = rgb.shape[:2]
    scale = THUMB_LONG / max(h, w)
    size = (max(8, int(round(w * scale))), max(8, int(round(h * scale))))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


class ThumbStore:
    """Append-only list of same-size grey thumbnails kept in a temporary file, not in memory.

    A two-hour clip has ~29,000 samples (~265 MB of thumbnails).  They are written as they come and
    read back with ``os.pread``, a thumbnail or a chunk at a time, into ordinary small arrays: no
    memory map, so thumbnails read once do not stay counted in the process's resident memory, and
    the analysis of a long clip stays as lean as that of a short one.
    """

    CHUNK = 256  # thumbnails read at once when iterating

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the store
        self._shape: tuple[int, int] | None = None
        self._bytes = 0
        self._n = 0
        self._dirty = False

    def append(self, thumb: np.ndarray) -> None:
        if self._shape is None:
            self._shape = (int(thumb.shape[0]), int(thumb.shape[1]))
            self._bytes = self._shape[0] * self._shape[1]
        elif thumb.shape != self._shape:
            thumb = cv2.resize(thumb, (self._shape[1], self._shape[0]), interpolation=cv2.INTER_AREA)
        self._file.write(np.ascontiguousarray(thumb, np.uint8).tobytes())
        self._n += 1
        self._dirty = True

    def __len__(self) -> int:
        return self._n

    def _read(self, start: int, count: int) -> np.ndarray:
        assert self._shape is not None
        if self._dirty:
            self._file.flush()
            self._dirty = False
        data = os.pread(self._file.fileno(), count * self._bytes, start * self._bytes)
        if len(data) != count * self._bytes:
            raise OSError(f"thumbnail store: short read at {start}")
        return np.frombuffer(data, np.uint8).reshape(count, *self._shape)

    def __getitem__(self, i: int | slice) -> np.ndarray:
        if isinstance(i, slice):
            return self.pick(np.arange(self._n)[i])
        i = int(i)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._read(i, 1)[0]

    def __iter__(self) -> Iterator[np.ndarray]:
        for start in range(0, self._n, self.CHUNK):
            yield from self._read(start, min(self.CHUNK, self._n - start))

    def pick(self, indices: np.ndarray) -> np.ndarray:
        """The thumbnails at ``indices`` as one (k, h, w) array."""
        if self._shape is None or not len(indices):
            return np.zeros((0, *(self._shape or (8, 8))), np.uint8)
        return np.stack([self[int(i)] for i in indices])


@dataclass
class Samples:
    """Thumbnails of one video or image, at times ``t`` (seconds from its start)."""

    t: list[float] = field(default_factory=list)
    thumbs: list[np.ndarray] | ThumbStore = field(default_factory=list)
    kind: str = "video"  # video | image
    fps: float | None = None
    duration_s: float = 0.0
    display: tuple[int, int] = (0, 0)  # displayed width, height of the source

    def spread(self, most: int) -> np.ndarray:
        """At most ``most`` thumbnails evenly spread over the whole, as one (k, h, w) array (the
        statistics of live areas need a spread of samples, not all of them)."""
        n = len(self.thumbs)
        if n == 0:
            return np.zeros((0, 8, 8), np.uint8)
        idx = np.arange(n) if n <= most else np.linspace(0, n - 1, most).astype(int)
        return np.stack([self.thumbs[int(i)] for i in idx])

    def thumb_shape(self) -> tuple[int, int]:
        if not len(self.thumbs):
            return (0, 0)
        first = self.thumbs[0]  # one read, not a chunk
        return (int(first.shape[0]), int(first.shape[1]))


def sample_stride(fps: float, per_second: float = SAMPLES_PER_SECOND) -> int:
    """Every how many frames a sample is taken.  For the clip this is the keyframe picker's stride,
    so that the two share each frame's colour thumbnail (``Frame.rgb()`` is computed once)."""
    return max(1, int(round((fps or 25.0) / per_second)))


class Sampler:
    """Keeps a grey thumbnail of every ``sample_stride(fps)``-th frame (about four a second)."""

    def __init__(self, fps: float, display: tuple[int, int], per_second: float = SAMPLES_PER_SECOND):
        self.samples = Samples(fps=fps, display=display, thumbs=ThumbStore())
        self.stride = sample_stride(fps, per_second)

    def feed(self, frame: Frame) -> np.ndarray | None:
        """Take ``frame`` as a sample if it is due; the thumbnail kept, if one was."""
        self.samples.duration_s = frame.t
        if frame.index % self.stride != 0:
            return None
        thumb = grey_thumb(frame.rgb())
        self.samples.t.append(frame.t)
        self.samples.thumbs.append(thumb)
        return thumb


def sample_file(path: str | Path, per_second: float = REF_SAMPLES_PER_SECOND) -> Samples:
    """Thumbnails of a video (one pass through the same decoder) or of a still image."""
    from ..errors import InputError
    from ..pipeline import _looks_like_image

    p = Path(path)
    if _looks_like_image(p):
        from ..still import load_still

        rgb, _, _ = load_still(p)
        return Samples(t=[0.0], thumbs=[grey_thumb(rgb)], kind="image", fps=None, duration_s=0.0,
                       display=(rgb.shape[1], rgb.shape[0]))
    import av

    from ..decode import DecodeStats, decode_frames, stream_rate

    try:
        container = av.open(str(p), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        raise InputError(str(p), "not a readable video or image") from None
    with container:
        if not container.streams.video:
            raise InputError(str(p), "no video stream")
        vs = container.streams.video[0]
        rate = stream_rate(vs)
        sampler: Sampler | None = None
        # closed before the container: its decode thread must stop first, also on an error
        with contextlib.closing(decode_frames(container, vs, DecodeStats())) as frames:
            for frame in frames:
                if sampler is None:
                    sampler = Sampler(float(rate) if rate else 25.0, frame.display, per_second)
                sampler.feed(frame)
    if sampler is None or not sampler.samples.t:
        raise InputError(str(p), "no video frame could be decoded")
    return sampler.samples
