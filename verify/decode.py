"""The one decode pass: every video frame is decoded once, shrunk early and handed to the analyzers.

Per frame the analyzers get a :class:`Frame` with a small luma picture (``ANALYSIS_W`` wide) taken
straight from the decoder's Y plane (no colour conversion), and on request a small RGB thumbnail
(``THUMB_LONG`` px on its long side, rotation and pixel aspect applied) for the few frames that need
colour (keyframe candidates, fingerprints, scene labels).  Decoding runs in FFmpeg's own threads
inside PyAV; damaged packets are skipped and counted instead of ending the pass.

**Sparse decoding.**  For H.264 and single-layer HEVC the pass leaves the decoder's *non-reference* frames
undecoded (FFmpeg's ``skip_frame=nonref``: no other frame depends on them, typically the B-frames,
about half of an x264 stream).  Every frame still reaches the analyzers, in order, with its own
time: a frame left undecoded is *interpolated* (``Frame.decoded`` is False), its luma the blend of
the decoded frames on either side (or the one before, held, when the two differ like a cut), its
colour thumbnail that of the nearer of them.  Analyzers take their samples from decoded frames.
A cut lands on a decoded frame: encoders spend many bits on the first picture of a new shot, so a
large packet makes the next few packets decode whole, among them the non-reference frames shown just
before it (decode order puts them after it).  ``every_frame=True`` (``--every-frame``) decodes all.
"""

from __future__ import annotations

import heapq
import itertools
import os
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import av
import cv2
import numpy as np

from .limits import Heartbeat, Limits

ANALYSIS_W = 64  # luma picture for per-frame analysis: 64 x 36 for 16:9
THUMB_LONG = 384  # long side of colour thumbnails

BIG_PACKET = 2.5  # a packet this many times the recent typical size (upper quartile) is a likely cut
FULL_AFTER_BIG = 8  # packets decoded whole from a large one on (the B-frames shown just before it)
TRIAL_FRAMES = 24  # frames decoded whole at the start, checking the timestamps
CLOCK_PROBE = 8  # first frames whose timestamps are looked at: are their pts in presentation order?
HOLD_DIFF = 18.0  # decoded neighbours this different (mean luma, 0-255; twice a cut's least change):
# the earlier is held, not blended (a cut must not be smeared into a dissolve; motion must not look like a cut)

_FAST_YUV = {"yuv420p", "yuvj420p"}
# pixel formats whose first plane is 8-bit luma
_Y8 = _FAST_YUV | {"yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv411p", "yuv410p", "yuv440p",
                   "nv12", "nv21", "gray"}


@dataclass
class DecodeStats:
    frames: int = 0
    first_time: float | None = None
    last_time: float | None = None
    frame_duration: float = 0.0
    interpolated: int = 0  # frames left undecoded (non-reference) and interpolated for the analyzers
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
    """One frame as the analyzers see it: decoded, or interpolated by sparse decoding."""

    __slots__ = ("index", "t", "gray", "_av", "rotation", "display", "_rgb", "between", "_twin")

    def __init__(self, index: int, t: float, gray: np.ndarray, av_frame: av.VideoFrame | None,
                 rotation: int, display: tuple[int, int],
                 between: tuple[Frame, Frame] | None = None, twin: Frame | None = None):
        self.index = index
        self.t = t  # seconds from the start of the stream
        self.gray = gray  # uint8 luma, ANALYSIS_W wide, coded orientation
        self._av = av_frame  # None: an interpolated frame (see decoded)
        self.rotation = rotation  # degrees clockwise for display
        self.display = display  # displayed (width, height)
        self._rgb: np.ndarray | None = None
        self.between = between  # an interpolated frame's decoded neighbours (before, after)
        self._twin = twin  # the one of them whose picture stands for it

    @property
    def decoded(self) -> bool:
        """False for a frame left undecoded by sparse decoding (its picture is interpolated)."""
        return self._av is not None

    def rgb(self) -> np.ndarray:
        """RGB uint8 thumbnail as a viewer would see the frame (rotated, square pixels); for an
        interpolated frame, a decoded neighbour's (analyzers sample decoded frames instead)."""
        if self._av is None:
            assert self._twin is not None
            return self._twin.rgb()
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
    """Area-averaged downscale to ``size`` (w, h); large factors go through a cheap 2x stage."""
    w, h = size
    if img.shape[1] >= 4 * w and img.shape[0] >= 4 * h:
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
    """Decoder settings for pictures looked at small (the pass, the exact look)."""
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
                  progress: Callable[[float], None] | None = None, every_frame: bool = False) -> Iterator[Frame]:
    """Yield every frame of ``stream`` once, in presentation order, within ``limits``: decoded, or
    interpolated where sparse decoding left a non-reference frame undecoded (not with ``every_frame``)."""
    limits = limits or Limits()
    heartbeat = heartbeat or Heartbeat()
    _set_up_for_analysis(stream)
    sparse = None if every_frame or not sparse_decodable(stream) else _Sparse(stream.codec_context)
    tb = float(stream.time_base) if stream.time_base else 0.0
    rate = stream_rate(stream)
    stats.frame_duration = 1.0 / rate if rate else 0.04
    sar = float(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else None
    size: tuple[int, int] | None = None
    rotation = 0
    display = (0, 0)
    start = time.perf_counter()
    deadline = start + limits.timeout_s if limits.timeout_s else None
    index = 0
    last_t = -1.0
    prev: Frame | None = None  # the last decoded frame

    def timed(pts: int | None) -> float:
        nonlocal last_t
        if pts is not None and tb:
            t = pts * tb
        else:
            t = (last_t + stats.frame_duration + (stats.first_time or 0.0)) if last_t >= 0 else 0.0
        if stats.first_time is None:
            stats.first_time = t
        t -= stats.first_time
        if t <= last_t:  # broken timestamps: keep time monotonic
            t = last_t + stats.frame_duration
        last_t = t
        return t

    def ended(t: float) -> bool:
        """Count the frame at ``t`` as yielded; True when a limit ends the pass after it."""
        nonlocal index
        index += 1
        stats.frames = index
        stats.last_time = t + (stats.first_time or 0.0)
        if progress is not None and index % 25 == 0:
            progress(t)
        if limits.max_duration_s is not None and t + stats.frame_duration >= limits.max_duration_s:
            stats.limited = f"the first {limits.max_duration_s:g} s (--max-duration)"
            return True
        if limits.max_frames is not None and index >= limits.max_frames:
            stats.limited = f"the first {limits.max_frames} frames (--max-frames)"
            return True
        if deadline is not None and time.perf_counter() > deadline:
            stats.limited = f"the first {t:.1f} s: the {limits.timeout_s:g} s time limit ran out (--timeout)"
            return True
        return False

    use_dts = _decode_order_times(container.name, stream.index)
    if use_dts:
        stats.clock = "dts"
        if sparse is not None:
            sparse.stop()
    for av_frame in _robust_decode(container, stream, stats, heartbeat, sparse):
        stamp = av_frame.dts if use_dts else av_frame.pts
        if size is None:  # geometry of the first frame holds for the whole pass
            size = analysis_size((av_frame.width, av_frame.height))
            rotation = frame_rotation(av_frame)
            display = display_geometry(av_frame.width, av_frame.height, sar, rotation)
        if getattr(av_frame, "is_corrupt", False):
            stats.corrupt_frames += 1
        gray = small_gray(av_frame, size)
        if sparse is not None and getattr(av_frame, "interlaced_frame", False):
            sparse.stop()  # fields: a reference frame's second field may be a non-reference picture
        skipped = sparse.undecoded_before(av_frame.pts) if sparse is not None else []
        times = [timed(pts) for pts in skipped] if prev is not None else []
        frame = Frame(index + len(times), timed(stamp), gray, av_frame, rotation, display)
        between = [Frame(index + k, t, pic, None, rotation, display, (prev, frame), twin)
                   for k, (t, (pic, twin)) in enumerate(zip(times, _between(prev, frame, times)))] if times else []
        stop = False
        for out in (*between, frame):
            stats.interpolated += not out.decoded
            yield out
            if stop := ended(out.t):
                break
        if stop:
            break
        prev = frame
    # Packets after the last decoded frame are not interpolated: there is nothing to interpolate
    # towards, and at the end of a truncated file they are the ones that could not be decoded.
    stats.seconds = time.perf_counter() - start


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


def exact_lumas(path: str | os.PathLike[str], start: float, end: float,
                size: tuple[int, int]) -> tuple[list[tuple[float, np.ndarray]], int]:
    """Every frame of the first video stream from ``start`` to ``end`` (seconds of the stream's own
    clock, as ``pts * time_base``) as ``size`` luma pictures, decoded whole: a second, exact look at a
    stretch that sparse decoding interpolated.  Seeks to the key frame before ``start`` and decodes
    only reference frames up to the stretch; returns the pictures with their times, and how many
    frames were decoded to get them."""
    out: list[tuple[float, np.ndarray]] = []
    decoded = 0
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        _set_up_for_analysis(stream)
        tb = float(stream.time_base or 0.0)
        if not tb:
            return out, decoded
        container.seek(int(start / tb), stream=stream, backward=True, any_frame=False)
        eps = 0.25 * tb + 1e-6
        cc = stream.codec_context
        for packet in container.demux(stream):
            # before the stretch only the frames it may be predicted from are needed
            early = packet.pts is not None and packet.pts * tb < start - eps
            if cc.skip_frame != ("NONREF" if early else "DEFAULT"):
                cc.skip_frame = "NONREF" if early else "DEFAULT"
            try:
                frames = packet.decode()
            except (av.error.FFmpegError, ValueError):
                continue
            for frame in frames:
                decoded += 1
                if frame.pts is None:
                    continue
                t = frame.pts * tb
                if t > end + eps:
                    return out, decoded
                if t >= start - eps:
                    out.append((t, small_gray(frame, size)))
    return out, decoded


def sparse_decodable(stream: av.video.stream.VideoStream) -> bool:
    """May this stream's non-reference frames be left undecoded?  H.264: yes (a picture with
    nal_ref_idc 0 is never used for prediction).  HEVC only with one temporal sub-layer, as its
    configuration record (hvcC) declares: a "sub-layer non-reference" picture may still be
    predicted from by pictures of higher sub-layers, and FFmpeg's skip does not look at layers."""
    name = stream.codec_context.name
    if name == "h264":
        return True
    if name == "hevc":
        extra = stream.codec_context.extradata or b""
        return len(extra) >= 23 and extra[0] == 1 and (extra[21] >> 3) & 7 == 1
    return False


def _between(a: Frame, b: Frame, times: list[float]) -> Iterator[tuple[np.ndarray, Frame]]:
    """Luma and colour twin of frames left undecoded between decoded frames ``a`` and ``b``: a blend
    by time, or ``a`` held when the two differ as much as a cut (never smear a cut into a dissolve)."""
    if cv2.norm(a.gray, b.gray, cv2.NORM_L1) / a.gray.size >= HOLD_DIFF:
        for _ in times:
            yield a.gray, a
        return
    span = max(b.t - a.t, 1e-6)
    for t in times:
        w = min(1.0, max(0.0, (t - a.t) / span))
        yield cv2.addWeighted(a.gray, 1.0 - w, b.gray, w, 0.0), (a if w < 0.5 else b)


class _Sparse:
    """Sparse decoding's bookkeeping: which packets may leave a non-reference frame undecoded, and
    the times of the frames that were.

    Before each packet is sent, the decoder is told to skip non-reference frames unless the packet
    is large (a key frame, or ``BIG_PACKET`` times the upper quartile of recent packet sizes: the
    first picture of a new shot, most likely) or follows one within ``FULL_AFTER_BIG`` packets.
    Every packet's time is kept; a decoded frame's arrival tells which earlier times never came out.
    The first ``TRIAL_FRAMES`` frames are all decoded, as a check of the timestamps: sparse decoding
    starts only if the frames came out in order with the times their packets carry (some phone files
    carry decode-order times, which would make frames look missing), and stops for good at a frame
    out of order, a packet or frame without a time, an interlaced frame, or damage.
    """

    def __init__(self, codec_context: av.codec.context.CodecContext):
        self._cc = codec_context
        self._sizes: deque[int] = deque(maxlen=48)
        self._big = float("inf")  # packet size from which a packet counts as large
        self._count = 0
        self._full = 0  # packets still to decode whole
        self._pending: list[int] = []  # heap of sent packets' pts
        self._last: int | None = None  # pts of the last decoded frame
        self._trial = TRIAL_FRAMES  # frames still to decode whole, checking their times
        self._mode = ""
        self.off = False  # a packet or frame without a time, or damage: decode every frame from here on

    def before(self, packet: av.Packet) -> None:
        if self.off:
            return
        if packet.pts is None:
            self.stop()
            return
        if packet.is_keyframe or packet.size >= self._big:
            self._full = FULL_AFTER_BIG
        self._sizes.append(packet.size)
        self._count += 1
        if self._count % 8 == 0:  # the threshold follows the stream, refreshed every 8 packets
            self._big = BIG_PACKET * max(statistics.quantiles(self._sizes, n=4)[2], 256.0)
        if not getattr(packet, "is_discard", False):
            heapq.heappush(self._pending, packet.pts)
        if self._full or self._trial:
            self._full = max(0, self._full - 1)
            self._set("DEFAULT")
        else:
            self._set("NONREF")

    def stop(self) -> None:
        """Decode every frame from here on (also after damage: its frames are lost, not interpolated)."""
        self.off = True
        self._pending.clear()
        self._set("DEFAULT")

    def undecoded_before(self, pts: int | None) -> list[int]:
        """Times of the packets before a decoded frame's ``pts`` that gave no frame (``pts`` itself
        is taken off too)."""
        if pts is None or (self._last is not None and pts <= self._last):
            self.stop()
        if self.off:
            return []
        out: list[int] = []
        heap = self._pending
        while heap and heap[0] <= pts:
            p = heapq.heappop(heap)
            if p != pts and (not out or out[-1] != p):
                out.append(p)
        first, self._last = self._last is None, pts
        if self._trial:
            self._trial -= 1
            if out and not first:  # a frame missing though every frame was decoded: odd times
                self.stop()
            return []
        return out

    def _set(self, mode: str) -> None:
        if mode != self._mode:
            self._cc.skip_frame = mode
            self._mode = mode


def _robust_decode(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                   stats: DecodeStats, heartbeat: Heartbeat, sparse: _Sparse | None = None) -> Iterable[av.VideoFrame]:
    """Decode packet by packet so that one damaged packet costs one error, not the whole pass."""
    demux = container.demux(stream)
    while True:
        heartbeat.beat()
        try:
            packet = next(demux)
        except StopIteration:
            break
        except (av.error.FFmpegError, OSError) as exc:  # unreadable container data: stop here
            stats.errors += 1
            _note(stats, f"demux: {exc}")
            stats.stopped_early = "the container could not be read further"
            break
        if sparse is not None and packet.size:
            sparse.before(packet)
        try:
            frames = packet.decode()
        except (av.error.FFmpegError, ValueError) as exc:
            stats.errors += 1
            _note(stats, f"decode: {exc}")
            if sparse is not None:
                sparse.stop()
            continue
        yield from frames


def _note(stats: DecodeStats, message: str) -> None:
    if len(stats.error_messages) < 10:
        stats.error_messages.append(message)
