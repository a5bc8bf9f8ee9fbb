"""The one decode pass: every video frame is decoded once, shrunk early and handed to the analyzers.

Per frame the analyzers get a :class:`Frame` with a small luma picture (``ANALYSIS_W`` wide) taken
straight from the decoder's Y plane (no colour conversion), and on request a small RGB thumbnail
(``THUMB_LONG`` px on its long side, rotation and pixel aspect applied) for the few frames that need
colour (keyframe candidates, fingerprints, scene labels).  Decoding runs in a thread of its own
(``_DecodeAhead``), a few frames ahead of the analyzers, and in FFmpeg's frame threads inside PyAV;
damaged packets are skipped and counted instead of ending the pass.

**Every frame is decoded.**  No frame is skipped or guessed: a shot boundary found here is at the
frame where decoding everything puts it, and its time is that frame's presentation time as FFmpeg
gives it (relative to the first frame).  What makes the pass cheap is that the pictures are only
looked at small: the in-loop deblocking filter is skipped (invisible at 64-384 px) and the
decoder runs frame threads.  (An earlier "sparse" mode left non-reference frames undecoded and
interpolated them; it could miss or misplace cuts on real footage and was removed.)
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import av
import cv2
import numpy as np

from .limits import Heartbeat, Limits

ANALYSIS_W = 64  # luma picture for per-frame analysis: 64 x 36 for 16:9
THUMB_LONG = 384  # long side of colour thumbnails

AHEAD = 4  # decoded frames the decode thread may hold ready for the analyzers (~3 MB each at 1080p)
CLOCK_PROBE = 8  # first frames whose timestamps are looked at: are their pts in presentation order?

_FAST_YUV = {"yuv420p", "yuvj420p"}
# pixel formats whose first plane is 8-bit luma
_Y8 = _FAST_YUV | {"yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv411p", "yuv410p", "yuv440p",
                   "nv12", "nv21", "gray"}


@dataclass
class DecodeStats:
    frames: int = 0
    first_time: float | None = None  # the first frame's time on the file's own clock (pts x time base)
    origin: float = 0.0  # the file's start (FFmpeg's start_time): the pass's times are counted from it
    last_time: float | None = None
    frame_duration: float = 0.0
    clock: str = "pts"  # which frame timestamps give the times: "dts" where the pts are decode-order times
    errors: int = 0  # packets or frames the decoder rejected
    corrupt_frames: int = 0  # frames FFmpeg marked as corrupt
    error_messages: list[str] = field(default_factory=list)
    stopped_early: str | None = None  # why the pass ended before the end of the stream (damage)
    limited: str | None = None  # which configured limit ended the pass early
    seconds: float = 0.0

    @property
    def decoded_duration(self) -> float:
        if self.first_time is None or self.last_time is None:
            return 0.0
        return max(0.0, self.last_time - self.first_time + self.frame_duration)


class Frame:
    """One decoded frame as the analyzers see it."""

    __slots__ = ("index", "t", "gray", "_av", "rotation", "display", "_rgb")

    def __init__(self, index: int, t: float, gray: np.ndarray, av_frame: av.VideoFrame,
                 rotation: int, display: tuple[int, int]):
        self.index = index
        self.t = t  # seconds from the start of the stream
        self.gray = gray  # uint8 luma, ANALYSIS_W wide, coded orientation
        self._av = av_frame
        self.rotation = rotation  # degrees clockwise for display
        self.display = display  # displayed (width, height)
        self._rgb: np.ndarray | None = None

    def rgb(self) -> np.ndarray:
        """RGB uint8 thumbnail as a viewer would see the frame (rotated, square pixels)."""
        if self._rgb is None:
            self._rgb = thumbnail(self._av, self.rotation, self.display)
        return self._rgb


def thumb_size(display: tuple[int, int], long_side: int = THUMB_LONG) -> tuple[int, int]:
    w, h = display
    scale = min(1.0, long_side / max(w, h))
    return max(2, int(round(w * scale / 2)) * 2), max(2, int(round(h * scale / 2)) * 2)


def thumbnail(frame: av.VideoFrame, rotation: int, display: tuple[int, int],
              long_side: int = THUMB_LONG) -> np.ndarray:
    """Small RGB picture of ``frame`` in display geometry (``display`` = displayed width, height)."""
    tw, th = thumb_size(display, long_side)
    # size before rotation
    cw, ch = (th, tw) if rotation in (90, 270) else (tw, th)
    if frame.format.name in _FAST_YUV:
        y = _plane(frame, 0, frame.height, frame.width)
        u = _plane(frame, 1, (frame.height + 1) // 2, (frame.width + 1) // 2)
        v = _plane(frame, 2, (frame.height + 1) // 2, (frame.width + 1) // 2)
        ys = shrink(y, (cw, ch))
        us = shrink(u, (cw // 2, ch // 2))
        vs = shrink(v, (cw // 2, ch // 2))
        if _full_range(frame):  # OpenCV's conversion expects video range (luma 16-235)
            ys, us, vs = _to_video_range(ys, us, vs)
        i420 = np.concatenate([ys.reshape(-1), us.reshape(-1), vs.reshape(-1)]).reshape(ch * 3 // 2, cw)
        rgb = cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
    else:
        rgb = frame.reformat(width=cw, height=ch, format="rgb24").to_ndarray()
    return rotate(rgb, rotation)


def _full_range(frame: av.VideoFrame) -> bool:
    """Full-range ("JPEG") YUV: the yuvj formats, or a frame tagged so (AVCOL_RANGE_JPEG = 2)."""
    return frame.format.name.startswith("yuvj") or int(getattr(frame, "color_range", 0) or 0) == 2


_LUMA_LUT = np.round(16 + np.arange(256) * 219 / 255).astype(np.uint8)
_CHROMA_LUT = np.round(128 + (np.arange(256) - 128) * 224 / 255).clip(0, 255).astype(np.uint8)


def _to_video_range(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return cv2.LUT(y, _LUMA_LUT), cv2.LUT(u, _CHROMA_LUT), cv2.LUT(v, _CHROMA_LUT)


def shrink(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-averaged downscale to ``size`` (w, h); factors over 2 go through a cheap bilinear stage to
    twice the size first, so the area average is always an exact 2:1 one.  OpenCV's area average at a
    fractional factor is several times slower: 720p to 384 px took 0.8 ms a plane against 0.17 ms
    through the 2x stage (the thumbnails of a 720p clip cost 1.2 ms a frame, now 0.4 ms)."""
    w, h = size
    if img.shape[1] > 2 * w and img.shape[0] > 2 * h:
        img = cv2.resize(img, (2 * w, 2 * h), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def rotate(img: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a picture clockwise by ``rotation`` degrees (0, 90, 180, 270)."""
    if rotation == 90:
        return np.ascontiguousarray(np.rot90(img, k=-1))
    if rotation == 180:
        return np.ascontiguousarray(img[::-1, ::-1])
    if rotation == 270:
        return np.ascontiguousarray(np.rot90(img, k=1))
    return img


def _plane(frame: av.VideoFrame, i: int, rows: int, cols: int) -> np.ndarray:
    p = frame.planes[i]
    return np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:rows, :cols]


def small_gray(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """Luma of ``frame`` shrunk to ``size`` (w, h), straight from the Y plane when there is one."""
    name = frame.format.name
    if name in _Y8:
        y = _plane(frame, 0, frame.height, frame.width)
        # cheap decimation to about twice the target first, then an area average
        step = max(1, min(frame.width // (size[0] * 2), frame.height // (size[1] * 2)))
        if step > 1:
            y = y[::step, ::step]
        return cv2.resize(y, size, interpolation=cv2.INTER_AREA)
    return frame.reformat(width=size[0], height=size[1], format="gray").to_ndarray()


def analysis_size(coded: tuple[int, int]) -> tuple[int, int]:
    w, h = coded
    ah = max(8, int(round(ANALYSIS_W * h / max(1, w))))
    return ANALYSIS_W, min(ah, 4 * ANALYSIS_W)


def display_geometry(width: int, height: int, sar: float | None, rotation: int) -> tuple[int, int]:
    """Displayed (width, height): square pixels first, then the rotation."""
    if sar and sar > 0 and abs(sar - 1.0) > 1e-3:
        width = max(2, int(round(width * sar / 2)) * 2)
    return (height, width) if rotation in (90, 270) else (width, height)


def frame_rotation(frame: av.VideoFrame) -> int:
    """Degrees clockwise the stored picture must be turned for display (display-matrix side data)."""
    ccw = int(round(getattr(frame, "rotation", 0) or 0))
    return (-ccw) % 360 if ccw % 90 == 0 else 0


def stream_rate(stream: av.video.stream.VideoStream) -> float | None:
    """Frames per second of ``stream``: its average rate, unless that is implausible (over 240; an
    AVI of H.264 with B-frames declares 600) where FFmpeg's guess or the base rate is not."""
    rates = [float(r) for r in (stream.average_rate, stream.guessed_rate, stream.base_rate) if r]
    plausible = [r for r in rates if 0 < r <= 240]
    return (plausible or rates or [None])[0]


def decode_threads() -> int:
    """FFmpeg frame threads for the pass: two more than the cores we may use (FFmpeg's own choice is
    one more), so that decoding runs ahead while the analyzers hold the main thread on a slow frame;
    at most 8, since every frame thread keeps its own pictures.  Measured on the 2-core benchmark
    machine (1080p clip, 3 runs each): 3 threads 7.84-8.29 s, 4 threads 7.44-7.82 s, +8 MB."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(2, min(cores + 2, 8))


def _set_up_for_analysis(stream: av.video.stream.VideoStream) -> None:
    """Decoder settings for pictures looked at small."""
    # Frame threads (as the ffmpeg program uses): PyAV's "AUTO" ends up with slice threading, which
    # leaves a one-slice H.264 stream on one core (measured: 8.4 s wall for 8.3 s CPU; frames: 5.1 s).
    stream.thread_type = "FRAME"
    stream.codec_context.thread_count = decode_threads()
    # The pass looks at 64-px and 384-px pictures: H.264/HEVC's in-loop deblocking filter changes
    # nothing visible at that size but costs about a quarter of the decode time, so skip it here.
    # Full-size keyframe JPEGs (verify/export.py) are decoded normally.
    stream.codec_context.options = {"skip_loop_filter": "all"}


def decode_frames(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                  stats: DecodeStats, limits: Limits | None = None, heartbeat: Heartbeat | None = None,
                  progress: Callable[[float], None] | None = None) -> DecodePass:
    """Every frame of ``stream`` once, in presentation order, within ``limits``.

    Decoding starts now, in threads of its own, while the caller sets up its analyzers; close the
    result (``contextlib.closing``) before the container, also when it was never iterated."""
    return DecodePass(container, stream, stats, limits, heartbeat, progress)


class DecodePass(Iterator[Frame]):
    """The pass's frames (see :func:`decode_frames`): an iterator that is decoding from the moment it
    is made.  The decode thread (:class:`_DecodeAhead`) and the clock probe (a second, short decode of
    the file's first frames) start at once, so they run while the caller imports and builds its
    analyzers instead of after: the probe cost 20-60 ms of wall time before the first frame."""

    def __init__(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                 stats: DecodeStats, limits: Limits | None = None, heartbeat: Heartbeat | None = None,
                 progress: Callable[[float], None] | None = None):
        limits = limits or Limits()
        heartbeat = heartbeat or Heartbeat()
        _set_up_for_analysis(stream)
        self._probe = _ClockProbe(container.name, stream.index)
        self._ahead = _DecodeAhead(container, stream, heartbeat)
        self._frames = self._pass(container, stream, stats, limits, progress)

    def __next__(self) -> Frame:
        return next(self._frames)

    def close(self) -> None:
        """Stop decoding (the threads finish what they hold) and wait for it."""
        self._frames.close()
        self._ahead.stop()
        self._probe.join()

    def _pass(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream,
              stats: DecodeStats, limits: Limits, progress: Callable[[float], None] | None) -> Iterator[Frame]:
        tb = float(stream.time_base) if stream.time_base else 0.0
        rate = stream_rate(stream)
        stats.frame_duration = 1.0 / rate if rate else 0.04
        sar = float(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else None
        start = time.perf_counter()
        deadline = start + limits.timeout_s if limits.timeout_s else None
        last_t = -1.0
        # Times count from the file's start as FFmpeg gives it (players and ``ffmpeg -ss`` count from
        # there too); a frame's time is then its presentation time as FFmpeg shows it (ffprobe's
        # pts_time, less the start_time ffprobe shows: 0 for MP4, MOV, MKV, WebM, AVI; about 1.4 s in
        # MPEG-TS).
        origin = container.start_time / 1e6 if container.start_time is not None else None

        last_stamp: int | None = None

        def timed(stamp: int | None) -> float:
            nonlocal last_t, last_stamp
            repeated = stamp is not None and stamp == last_stamp
            last_stamp = stamp
            if stamp is not None and tb:
                t = stamp * tb
            else:  # no time at all: one frame after the last
                t = (last_t + stats.frame_duration + stats.origin) if last_t > -1.0 else 0.0
            if stats.first_time is None:
                stats.first_time = t
                stats.origin = origin if origin is not None and origin <= t else t
            t -= stats.origin
            if repeated and last_t > -1.0:
                # the same timestamp as the frame before (a variable-rate source re-encoded into MP4
                # with B-frames rounds some to one tick): FFmpeg shows this one a tick later, and so do
                # we; pushing it a whole frame later pushed every following frame too (0.3 s off after
                # a few)
                t = last_t + tb
            elif t <= last_t:  # broken timestamps (going back): keep time monotonic
                t = last_t + stats.frame_duration
            last_t = t
            return t

        try:
            use_dts = self._probe.result()
            stats.clock = "dts" if use_dts else "pts"
            yield from _frames(self._ahead, stats, limits, progress, deadline, use_dts, sar, timed)
        finally:
            self._ahead.stop()
        stats.seconds = time.perf_counter() - start


def _frames(ahead: _DecodeAhead, stats: DecodeStats, limits: Limits, progress: Callable[[float], None] | None,
            deadline: float | None, use_dts: bool, sar: float | None,
            timed: Callable[[int | None], float]) -> Iterator[Frame]:
    index = 0
    rotation = 0
    display = (0, 0)
    for av_frame, gray in ahead.frames(stats):
        stamp = av_frame.dts if use_dts else av_frame.pts
        if index == 0:  # geometry of the first frame holds for the whole pass
            rotation = frame_rotation(av_frame)
            display = display_geometry(av_frame.width, av_frame.height, sar, rotation)
        if getattr(av_frame, "is_corrupt", False):
            stats.corrupt_frames += 1
        t = timed(stamp)
        yield Frame(index, t, gray, av_frame, rotation, display)
        index += 1
        stats.frames = index
        stats.last_time = t + stats.origin
        if progress is not None and index % 25 == 0:
            progress(t)
        if limits.max_duration_s is not None and t + stats.frame_duration >= limits.max_duration_s:
            stats.limited = f"the first {limits.max_duration_s:g} s (--max-duration)"
            break
        if limits.max_frames is not None and index >= limits.max_frames:
            stats.limited = f"the first {limits.max_frames} frames (--max-frames)"
            break
        if deadline is not None and time.perf_counter() > deadline:
            stats.limited = f"the first {t:.1f} s: the {limits.timeout_s:g} s time limit ran out (--timeout)"
            break


def _decode_order_times(path: str, index: int) -> bool:
    """Do the file's first frames carry their packets' decode-order times as pts (some phone files
    such as opencv-doc's box.mp4, AVI with B-frames)?  Then their pts go back and forth in
    presentation order while their dts rise steadily, shifted by a constant the pass's relative times
    cancel.  Looked at in a separate, one-thread decode of the first ``CLOCK_PROBE`` frames (holding
    them in the pass itself cost ~22 MB of peak memory at 1080p); False if that cannot be done."""
    try:
        with av.open(path, metadata_errors="ignore") as probe:
            stream = next((s for s in probe.streams.video if s.index == index), None)
            if stream is None:
                return False
            stream.codec_context.options = {"skip_loop_filter": "all"}
            stamps = [(f.pts, f.dts) for f in itertools.islice(probe.decode(stream), CLOCK_PROBE)]
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return False
    pts = [p for p, _ in stamps]
    dts = [d for _, d in stamps]
    if None in pts or all(b > a for a, b in zip(pts, pts[1:])):
        return False
    return None not in dts and all(b > a for a, b in zip(dts, dts[1:]))


class _ClockProbe(threading.Thread):
    """:func:`_decode_order_times` in a thread of its own, started with the pass."""

    def __init__(self, path: str, index: int):
        super().__init__(name="verify-clock-probe", daemon=True)
        self._path, self._index = path, index
        self._use_dts = False
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._use_dts = _decode_order_times(self._path, self._index)
        except BaseException as exc:  # noqa: BLE001 - raised in the pass's thread, as before
            self._error = exc

    def result(self) -> bool:
        self.join()
        if self._error is not None:
            raise self._error
        return self._use_dts


class _Problem:
    """A packet the decoder rejected (or the end of readable container data), in stream order."""

    __slots__ = ("message", "stop")

    def __init__(self, message: str, stop: str | None = None):
        self.message = message
        self.stop = stop  # why the pass ends here, when it does


_END = object()


class _DecodeAhead:
    """Decoding in a thread of its own, up to ``AHEAD`` frames ahead of the analyzers.

    The analyzers (Python, in the pass thread) and FFmpeg's decoder then work at the same time: the
    decoder is handed the next packets while the analyzers look at the last frame, instead of
    waiting for them between frames.  The thread also takes each frame's small luma picture.  It is
    stopped and joined (``stop``) before the caller closes the container.  Damaged packets reach the
    pass in stream order (:class:`_Problem`), so the counts are those of the frames analysed."""

    def __init__(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                 heartbeat: Heartbeat):
        self._container = container
        self._stream = stream
        self._heartbeat = heartbeat
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="verify-decode", daemon=True)
        self._thread.start()

    def frames(self, stats: DecodeStats) -> Iterator[tuple[av.VideoFrame, np.ndarray]]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Problem):
                stats.errors += 1
                _note(stats, item.message)
                if item.stop:
                    stats.stopped_early = item.stop
                continue
            if isinstance(item, BaseException):
                raise item
            self._heartbeat.beat()
            yield item

    def stop(self) -> None:
        """Stop the thread (it finishes the packet in hand) and wait for it."""
        self._stopping.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass

    def _put(self, item: Any) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        size: tuple[int, int] | None = None
        try:
            for item in _robust_decode(self._container, self._stream, self._heartbeat, self._stopping):
                if not isinstance(item, _Problem):
                    if size is None:  # geometry of the first frame holds for the whole pass
                        size = analysis_size((item.width, item.height))
                    item = (item, small_gray(item, size))
                if not self._put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the pass thread, raised there
            self._put(exc)
            return
        self._put(_END)


def _robust_decode(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                   heartbeat: Heartbeat, stopping: threading.Event) -> Iterable[av.VideoFrame | _Problem]:
    """Decode packet by packet so that one damaged packet costs one error, not the whole pass."""
    demux = container.demux(stream)
    while not stopping.is_set():
        heartbeat.beat()
        try:
            packet = next(demux)
        except StopIteration:
            break
        except (av.error.FFmpegError, OSError) as exc:  # unreadable container data: stop here
            yield _Problem(f"demux: {exc}", "the container could not be read further")
            break
        try:
            frames = packet.decode()
        except (av.error.FFmpegError, ValueError) as exc:
            yield _Problem(f"decode: {exc}")
            continue
        yield from frames


def _note(stats: DecodeStats, message: str) -> None:
    if len(stats.error_messages) < 10:
        stats.error_messages.append(message)
