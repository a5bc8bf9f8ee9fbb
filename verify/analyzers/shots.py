"""Shot boundaries: hard cuts, dissolves and fades through black (or any flat colour).

Works on the 64-px luma picture of every frame, streaming, with a short look-ahead:

* **Hard cuts** are spikes of the *motion-compensated* frame difference (the previous frame is
  shifted by the global translation phase correlation finds, so pans and a camera in a moving car
  do not look like cuts), judged against the local level on both sides, or large jumps of the luma
  histogram.  Into (or out of) a shot full of motion a smaller spike counts when it also changes the
  histogram or breaks the picture's structure (correlation, the camera's move undone) that the moving
  shot's own consecutive frames keep; between a shot busy right up to the cut and a calm one, a
  spike of only the busy shot's own change counts when it breaks that structure; between two busy
  shots (a reel cutting every half second), a spike of 1.5 times the busier side's change counts when
  the structure breaks and stays broken once dense local motion is undone.  A structure break must
  survive local motion (a phone lurching in a swerving car, half the view going dark, is no new
  picture), and a frame that local motion predicts nearly as well as its neighbours and carries into
  the same structure is motion (a hand moving fast, blurred), not a cut.  The same picture
  moved and brighter or darker (a pan with the exposure following it) is not a cut.  A spike whose picture comes back within ~0.2 s and was brighter
  is a camera flash, not a cut, also when it builds over two or three frames (each only lit).  Where flashes around a cut (gunfire, a strobe, a muzzle flash on
  the cut frame) raise the frame-to-frame change so that its spike does not stand out, the frames a
  flash lights are left out and the unlit frames on either side are judged as a cut between a busy
  and a calm shot is.  There is no minimum shot length beyond two frames.
  A cut is a discontinuity in time: on a frame that stands out, dense local motion (DIS optical flow,
  candidates only) must predict it from the frame before clearly worse than the frames around it
  (else it is motion: a whip pan into a lamp); a jump cut in one fixed framing (only hands or a head
  jump), too small a change for the spike test, counts when local motion predicts it twice as badly
  as every neighbour, or, where hands move fast on both sides of it (so local motion explains the
  neighbours as badly), when the part of the picture that stands still on the two frames before it
  and the two after it changes on that one frame, beyond a brightness change (motion is continuous;
  a jump changes objects that stood still, and they stand still again).
* **At a very low frame rate** (0.9 s or more from the frame before, and also before or after that:
  a slideshow, an export at one frame a second) the change of the frames around says nothing (every
  picture of a slideshow differs from the one before), so two frames are judged alone: a clear change
  (mean luma change of 3 or more) of the picture's structure (correlation under 0.8, the camera's
  move undone) is a cut.  A fixed street camera a second later keeps its structure (0.84-0.90
  measured, people walking); a moving camera or people close to it at that rate do not.
* **Dissolves** are found as windows (0.25–2 s) whose end pictures differ, whose middle pictures are
  linear blends of the two ends (least-squares blend weight, small residual), and whose two ends are
  not the same picture under a brightness change.  The boundary is where the blend weight crosses ½.
  When one side moves (into or out of a still picture), the middle frames are no blend of the two
  end pictures; then each frame is fitted as a blend of the frame next to it, carried along by dense
  local motion (DIS optical flow, computed only on windows the cheaper tests let through), and the
  still end picture: the moving side's share must fall from whole to nearly nothing, and the blend,
  not motion, must bridge the ends' difference.  A burst of light over one unchanged scene (night
  fireworks, a fireball, a flare) is no dissolve: both ends are the unlit picture of under a second
  before with light only added, and the light falls back within the look-ahead.
* **Wipes** (an iris, a clock, blinds, an edge sweeping across: any transition where part of the
  picture already shows the new shot and the rest still the old one, both maybe moving) are found as
  windows (0.5-1 s) whose end pictures differ over most of the picture and each of whose middle
  frames is a mosaic of the two (each 4-px block matches one end picture, moved by up to 2 px): each
  block turns from old to new once, at its own time, sharply, neighbouring blocks at nearly the same
  time, and on no frame step does most of the picture change (a whip pan, a fast tilt).  The
  boundary is the frame where half the blocks have turned.  A wipe with a cut inside it is the cut.
* **Fades** are runs of flat frames between two pieces of content; the boundary is the middle of the
  run (a long flat run becomes a shot of its own).  The picture must change on both sides of the run
  (within 0.4 s): an even grey sky whose luma spread hovers at the flat threshold is content, not a
  run of fades.  A hard cut into a flat picture that lasts to the end of the file (a cut to black
  that ends it, at least two frames) starts a shot of its own; a fade out at the end stays part of
  the last shot.  A black slug of 0.25-1 s cut into and out of (both edges keep the contrast of the
  frames beyond them), between two different pictures, is a shot of its own: two cuts at its edges.
  A run cut into whose far side hardly differs from the black (a very dark shot) still counts when
  the pictures on its two sides differ clearly.
* **Letterbox and pillarbox bars** (dark flat edge rows or columns) are left out of the structure
  test: fixed bars make any two frames correlate, across a clear cut too.

The per-frame global translation is kept (``motion``) for camera-motion analysis.

Every frame of the stream is decoded and looked at (``verify/decode.py``): a boundary's frame is the
first frame of the new shot, its time that frame's presentation time.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import cv2
import numpy as np

from ..decode import Frame
from ..report import Report, Shot
from .base import Analyzer, StreamInfo

FLAT_STD = 6.0  # luma std (0-255) under which a frame counts as flat (black, white, one colour)
CUT_ABS = 9.0  # smallest mean absolute luma change (0-255) that can be a cut
CUT_RATIO = 3.0  # a cut spike is this many times the local level...
CUT_MARGIN = 3.0  # ...plus this
HIST_JUMP = 0.40  # histogram change (0-1) that makes a cut even inside motion
DISSOLVE_MIN_DIFF = 11.0  # end pictures of a dissolve differ at least this much
DISSOLVE_MAX_RESIDUAL = 0.32  # middle frames are blends of the ends within this relative error
SAME_PICTURE_CORR = 0.88  # ends this correlated are one picture under a lighting change
BUSY_RATIO = 2.0  # a cut into a shot full of motion: twice that motion's change (and 3x the calm side's)...
BUSY_HIST = 0.2  # ...and a histogram change this large (fast motion moves the picture, not its tones)
BURST_SHARE = 0.7  # a change this large on both neighbouring frames too: a gradual change, not a cut
STRUCTURE_GAP = 0.25  # a cut's two frames correlate this much less than any consecutive frames around it
DISSOLVE_SPREAD = 0.6  # share of the picture a dissolve changes: measured 0.83-0.92 on real dissolves and fades,
# 0.36-0.40 for a title fading in and out over a shot with moving foliage (Big Buck Bunny's opening)
FLASH_GAIN = 8.0  # transient frames this much brighter than before are a flash
FLASH_DARKENS = 0.9  # a flash dying away (an explosion turning to smoke): this share of the changed picture darkens...
FLASH_NOISE = 1.0  # ...and the mean luma never rises by more than this from frame to frame, back to the flash
FLASH_LASTS = 0.1  # a flash (muzzle, camera, strobe) lights at most this long (s): runs of lit frames longer are light, not a flash
FLASH_SPREAD = 0.78  # a flash brightens at least this share of the picture (muzzle flashes 0.82-0.98; a tilt to a darker part 0.62-0.70)
FLASH_MASKS = 1.3  # flashes mask a cut where they raise the change level around it by this factor or more
DUPLICATE_DIFF = 0.6  # a frame this close to the previous one is a repeat, not motion
LEVEL_MOVING = 3  # a stretch with fewer moving frames than this is a still shot (two cuts 12 frames apart between
# still shots, office-film 257/269, each took the other's spike for the level: 57-62 against 0.03-0.47 around them)
JUMP_ABS = 7.0  # smallest change a jump cut (same framing, only part of the picture jumps) can be...
JUMP_FLOW = 2.0  # ...when local motion predicts that frame this many times worse than its neighbours
MOTION_EXPLAINS = 1.0  # a cut's frame predicted from the one before by local motion no worse than its
# neighbours are (ratio under this) is motion, not a cut: measured 1.43-12 on every true cut, 0.35 on a whip pan
HELD_EXPLAINS = 1.1  # after a held (repeated) frame, as in limited animation, a new drawing must be predicted
# clearly worse than the next drawing change too: a mouth opening with a subtitle coming in (anime-hat 112)
# measured 0.98-1.003 on the 8 encodings; true cuts 1.26 (steel-battle 1472) and up
FLOW_REACH = 3  # neighbouring frame pairs on each side that the local-motion test compares with
STILL_PIXEL = 1.0  # a pixel whose change (averaged over 5x5 pixels) stays under this on the two frames before
# and the two after a frame is still around it...
STILL_SHARE = 0.2  # ...a jump cut in one fixed framing needs this share of the picture still around it...
STILL_JUMP = 2.2  # ...and that still part changing by this much (mean, 0-255, after a brightness/contrast
# fit) on the one frame: measured 3.2-3.8 on the jump cut it finds (icewater 125, 8 encodings), 0.9-2.2 on
# the three it leaves (icewater 158, 710, 836), at most 0.86 on any other frame of the shot corpus that
# changes by 6 or more, 1.34 on a box a hand jerks in one frame (fixtures/cuts.mp4, frame 486)
MOVING_GATE = 0.8  # a dissolve with a moving side: middle frame's residual against the two end pictures at most this
MOVING_RESIDUAL = 0.45  # every frame inside within this of the blend (moving side carried, still side), relative to the ends' difference
MOVING_GAIN = 0.18  # a frame lowers the moving side's share only where the blend leaves this much less than local motion alone
MOVING_STEP = 0.35  # largest fall of the moving side's share between two frames (a dissolve, not a cut)
MOVING_LEFT = 0.25  # share of the moving side left next to the still end picture at most this
MOVING_STILL = 0.05  # the still side holds: 3 frames beyond it change by at most this share of the ends' difference
MOVING_LEAD = 3  # the window opens on this many frames of the moving shot alone (carried along, nothing blended)
MOVING_BLENDED = 0.65  # the blend steps bridge at least this share of the end pictures' difference (motion does not)
LONG_GAP = 0.9  # seconds between two frames beyond which they are compared as two pictures (a slideshow)
GAP_CUT_ABS = 3.0  # across such a gap, a change this large (coding noise of a still picture is under 1)...
GAP_CUT_CORR = 0.8  # ...whose two pictures correlate less than this (measured: a new tweet on the same page
# 0.41-0.76; a street a second apart from a fixed camera, people walking, 0.84-0.90) is a new shot
TRANSIENT_BACK = 0.6  # the picture "comes back" after a flash only if it is this much closer to the one before
# than the spike is (next to a very busy shot, twice its level would accept any picture: the new shot)
STILL_DIFF = 1.5  # below this frame difference the camera is taken as still
LIGHT_DARKER = 0.05  # light only added: at most this share of the picture is darker (by DISSOLVE_MIN_DIFF) than
# the unlit picture before a burst: measured 0.000-0.006 through night fireworks' bursts (held-out 2, fireworks),
# 0.013-0.018 for a lightning bolt that moves as it grows (held-out 3, lightning-night 43); 0.1 loses no true boundary
LIGHT_BACK = 0.5  # a burst of light in one shot dies: within the look-ahead the picture is back to this share of
# its largest distance from the unlit picture (fireworks: 0.22-0.28); a dissolve into a bright shot stays there
BOTH_RATIO = 1.5  # between two busy shots (a fast-cut reel): a spike of this many times the busier side's change...
LOCAL_BREAK = 0.45  # ...whose structure breaks also once local motion is undone: the frame correlates at most this
# with the one before carried onto it by dense local motion (measured 0.03-0.36 on the cuts it finds, events-reel
# 130 and 224 on 8 encodings; at least 0.51 on every frame of the shot corpus that is no cut and has that spike,
# a structure break and no flow veto: cake 85, a pan into a lamp, 0.51-0.68; 0.57-0.59 on events-reel 259, left)
LOCAL_KEEPS = 0.72  # a cut accepted on its structure break alone (no clear tone change) must break the structure
# once local motion is undone too: at most this correlation (measured 0.24-0.64 on every such cut of the corpus;
# 0.80-0.81 on a phone lurching in a swerving car, car-swerve 84, 5 encodings; 0.73 on a pan in trail-reel 218)
MOTION_CLEAR = 1.38  # local motion predicting a frame less than this many times worse than its neighbours...
MOTION_KEEPS = 0.88  # ...while the picture it carries along correlates this much with the frame: motion (a hand
# moving fast with motion blur, ap-newsminute 584: ratio 1.18-1.22, correlation 0.93-0.94; motion-3d 242: 1.19-1.32,
# 0.91); every cut of the corpus under that ratio correlates at most 0.74, every cut this correlated has 1.43 or more
WIPE_SECONDS = (0.5, 0.75, 1.0)  # window lengths a wipe (or any moving-edge transition) is looked for in
WIPE_BLOCK = 4  # analysis pixels per side of the blocks each middle frame is matched by
WIPE_SHIFT = 2  # a block matches an end picture moved by up to this (both sides of a wipe keep moving)
WIPE_LIVE = 0.75  # the end pictures differ (WIPE_DIFF) in at least this share of the blocks: two shots, not something
# moving across one (fingers in front of the lens: 0.62-0.71 measured; the wipes found 0.91-0.92)
WIPE_DIFF = 12.0  # block difference (0-255, best move) of the end pictures that counts as different
WIPE_EXPLAINED = 0.25  # every middle frame is a mosaic of the two end pictures: its median block error to the nearer
# one, relative to the ends' difference, at most this (the wipes found 0.20-0.23; a whip pan's blurred frames
# 0.29, a fast tilt 0.31, a handheld swing 0.30; the blurred warp-wipes of concat-transitions 0.26-0.28, missed)
WIPE_FIT = 0.9  # each block turns from the old picture to the new one once: share of its frames that fit one switch
WIPE_SPREAD = 0.35  # the blocks switch at different times: 10th-90th percentile of switch times over the window
WIPE_COHERENT = 0.1  # neighbouring blocks switch at nearly the same time (mean gap, relative to the window):
# the wipes found 0.041-0.062, fingers crossing the lens 0.106-0.145
WIPE_STEP = 0.3  # a block changes on a frame step by this share of the ends' difference...
WIPE_EDGE = 0.3  # ...in at most this share of the picture on any one step: an edge, not the whole picture
# (the wipes found 0.08-0.23; a whip pan 0.43, a fast tilt 0.46)
WIPE_STEP_DIFF = 0.5  # cheap gate first: no frame step inside changes more than this share of the ends' mean difference
WIPE_JUMP = 0.6  # a block's picture 2 frames before its switch against 3 after, relative to the ends' difference
# (25th percentile over the blocks): it changes at its switch, not gradually (the wipes found 0.78-0.90;
# people moving in a fixed shot 0.15-0.33)
WIPE_ENDS = 0.2  # share of the new picture next to the old end at most this, next to the new end at least 1 - this
BLACK_SHOT = 0.25  # a flat run (black slug) this long (seconds) cut into and out of is a shot of its own
EDGE_KEEP = 0.7  # a hard cut at a flat run's edge: the picture next to it keeps this share of its contrast
# (luma spread) of the frames beyond it; a fade's last (first) frames have lost it
BAR_DARK = 40.0  # a row or column at a picture's edge this dark on average...
BAR_MAX = 0.25  # ...and flat (luma spread under FLAT_STD) is a letterbox or pillarbox bar, up to this share of each side



@dataclass
class Boundary:
    frame: int  # first frame of the new shot
    kind: str  # cut | dissolve | fade
    start: int  # transition extent (== frame for cuts)
    end: int
    score: float


class _Feat:
    __slots__ = ("pic", "mean", "std", "hist", "t", "_bars")

    def __init__(self, gray: np.ndarray, t: float):
        self.pic = gray.astype(np.float32)
        mean, std = cv2.meanStdDev(self.pic)
        self.mean = float(mean[0, 0])
        self.std = float(std[0, 0])
        self.hist = np.bincount(gray.reshape(-1) >> 3, minlength=32).astype(np.float32) / gray.size
        self.t = t
        self._bars: tuple[int, int, int, int] | None = None

    @property
    def flat(self) -> bool:
        return self.std < FLAT_STD

    @property
    def bars(self) -> tuple[int, int, int, int]:
        """Widths of the dark flat bars at the top, bottom, left and right edges (letterbox,
        pillarbox), in analysis pixels: at most ``BAR_MAX`` of each side (a flat frame has none)."""
        if self._bars is None:
            pic = self.pic
            h, w = pic.shape
            if self.flat:
                self._bars = (0, 0, 0, 0)
            else:
                rows = (pic.std(axis=1) < FLAT_STD) & (pic.mean(axis=1) < BAR_DARK)
                cols = (pic.std(axis=0) < FLAT_STD) & (pic.mean(axis=0) < BAR_DARK)
                self._bars = (_run(rows, int(h * BAR_MAX)), _run(rows[::-1], int(h * BAR_MAX)),
                              _run(cols, int(w * BAR_MAX)), _run(cols[::-1], int(w * BAR_MAX)))
        return self._bars


def _run(line: np.ndarray, most: int) -> int:
    """Length of the run of True at the start of ``line``, at most ``most``."""
    n = 0
    while n < most and line[n]:
        n += 1
    return n


def _inside_bars(a: _Feat, b: _Feat) -> tuple[slice, slice]:
    """Rows and columns of the picture inside the bars (letterbox, pillarbox) two frames share."""
    t, bo, le, ri = (min(x, y) for x, y in zip(a.bars, b.bars))
    h, w = a.pic.shape
    return slice(t, h - bo), slice(le, w - ri)


def _framed(a: _Feat, b: _Feat) -> tuple[np.ndarray, np.ndarray]:
    """The two pictures without the bars they share (letterbox, pillarbox): fixed black bars make
    any two pictures look alike in structure (correlation 0.9 across a clear cut between two
    pillarboxed shots of a 1928 film)."""
    inside = _inside_bars(a, b)
    return a.pic[inside], b.pic[inside]


def _dist(a: _Feat, b: _Feat) -> float:
    """Mean absolute luma difference (0-255) of two frames."""
    return cv2.norm(a.pic, b.pic, cv2.NORM_L1) / a.pic.size


class ShotDetector(Analyzer):
    name = "shots"

    def __init__(self) -> None:
        self.fps = 25.0
        self.lookahead = 10
        self.windows: list[int] = []
        self.keep = 80
        self._feats: dict[int, _Feat] = {}
        self._forgotten = 0  # frames before this were dropped from _feats, _dmc and _dh
        self._dmc: dict[int, float] = {}
        self._dh: dict[int, float] = {}
        self._next = 1  # next frame to decide on
        self._n = -1  # last frame seen
        self._last_t = 0.0
        self._last_cut = -1
        self._cuts: list[Boundary] = []
        self._dissolves: list[Boundary] = []
        self._moving_dissolves: list[Boundary] = []  # found by the moving-side fit: never displace those above
        self._wipes: list[Boundary] = []  # moving-edge transitions: never displace a cut or dissolve they overlap
        self._block_errs: dict[tuple[int, int], np.ndarray] = {}  # (frame, other frame): best-shift block errors
        self._fades: list[Boundary] = []
        self._flat_start: int | None = None
        self._flat_left = 255.0  # change from the frames before the open flat run to its first frame
        self._flat_cut_in = False  # the open flat run starts with a hard cut (not a fade)
        self._gap_cuts: set[int] = set()  # cuts found across a long gap in time (may be a frame apart)
        self._times: dict[int, float] = {0: 0.0}
        self._window = None
        # global motion per frame (analysis pixels per frame) for camera-motion analysis
        self.motion_t = array("f")
        self.motion_dx = array("f")
        self.motion_dy = array("f")
        self.width = 64
        self.possible_cut_now = False
        self._flow_err: dict[int, float] = {}
        self._local_c: dict[int, float] = {}  # frame: its correlation with the one before carried by local motion
        self._carry: dict[tuple[int, int], np.ndarray] = {}  # (frame, other frame): other carried onto frame
        self._dis = None
        self._grid: tuple | None = None
        self._opening_end = -1  # first frame after a flat opening (a fade from black into the first shot)

    # -- streaming -----------------------------------------------------------------------------
    def start(self, info: StreamInfo) -> None:
        self.fps = info.fps if info.fps and info.fps > 0 else 25.0
        self.lookahead = max(6, int(round(self.fps * 0.4)))
        self.windows = sorted({max(4, int(round(self.fps * s))) for s in (0.25, 0.5, 0.8, 1.2, 1.6, 2.1)})
        self.keep = self.windows[-1] + 2 * self.lookahead + 8

    def process(self, frame: Frame) -> None:
        n = frame.index
        f = _Feat(frame.gray, frame.t)
        self._feats[n] = f
        if n == 0:
            self._times[0] = frame.t  # the first shot starts at the first frame (after 0 in some AVI, MPEG-TS)
            if f.flat:  # frame 0 is never decided on (a boundary needs a frame before it): a flat opening starts here
                self._flat_start = 0
        self._n = n
        self._last_t = frame.t
        self.width = frame.gray.shape[1]
        self.possible_cut_now = False
        if n > 0 and (n - 1) in self._feats:
            ref = self._feats[n - 1]
            d, dx, dy = self._motion_compensated_diff(ref, f)
            self._dmc[n] = d
            self._dh[n] = 0.5 * float(np.abs(ref.hist - f.hist).sum())
            k = max(5, int(round(self.fps * 0.4)))
            level = _level([self._dmc[i] for i in range(n - k, n) if i in self._dmc])
            self.possible_cut_now = (d >= CUT_ABS and d >= CUT_RATIO * level + CUT_MARGIN) or self._dh[n] >= HIST_JUMP
            self.motion_t.append(frame.t)
            self.motion_dx.append(dx)
            self.motion_dy.append(dy)
        while self._next <= n - self.lookahead:
            self._decide(self._next)
            self._next += 1
        self._forget(n - self.keep)

    def finish(self, report: Report) -> None:
        while self._next <= self._n:
            self._decide(self._next)
            self._next += 1
        self._close_flat_run(self._n + 1, at_end=True)
        report.shots = self.shots(self._n + 1, self._last_t + 1.0 / self.fps)

    # -- results -------------------------------------------------------------------------------
    def boundaries(self, settled_before: int | None = None) -> list[Boundary]:
        """Merged boundaries; with ``settled_before``, only those no later evidence can change."""
        fades = list(self._fades)
        dissolves = _cluster(self._dissolves)
        dissolves += [b for b in _cluster(self._moving_dissolves)
                      if not any(d.start <= b.end and b.start <= d.end for d in dissolves)]
        wipes = [b for b in self._wipes if not any(b.start - 1 <= c.frame <= b.end + 1 for c in self._cuts)]
        dissolves += [b for b in _cluster(wipes) if not any(d.start <= b.end and b.start <= d.end for d in dissolves)]
        merged: list[Boundary] = []
        reach = int(round(self.fps * 1.0))
        for b in fades:
            merged.append(b)
        for b in dissolves + self._cuts:
            if any(fb.start - reach <= b.frame <= fb.end + reach for fb in fades):
                continue
            if b.kind == "dissolve" and b.start <= self._opening_end + reach:
                continue  # the end of the fade-in from a flat opening
            if b.kind == "cut" and any(db.start <= b.frame <= db.end for db in dissolves):
                continue
            merged.append(b)
        merged.sort(key=lambda b: b.frame)
        out: list[Boundary] = []
        for b in merged:
            if out and b.frame - out[-1].frame < 2 and b.frame not in self._gap_cuts:
                if b.score > out[-1].score:
                    out[-1] = b
                continue
            out.append(b)
        if settled_before is not None:
            out = [b for b in out if b.end < settled_before]
        return out

    def settled_frame(self) -> int:
        """Frames before this index can no longer gain or lose a boundary."""
        limit = self._next - self.windows[-1] - int(round(self.fps * 1.0)) - 2
        if self._flat_start is not None:
            limit = min(limit, self._flat_start - int(round(self.fps * 1.0)) - 2)
        return limit

    def time_of(self, frame: int) -> float:
        if frame in self._times:
            return self._times[frame]
        if frame in self._feats:
            return self._feats[frame].t
        return frame / self.fps

    def shots(self, n_frames: int, end_time: float) -> list[Shot]:
        bounds = [b for b in self.boundaries() if 0 < b.frame < n_frames]
        starts = [(0, "start")] + [(b.frame, b.kind) for b in bounds]
        shots: list[Shot] = []
        for i, (f0, kind) in enumerate(starts):
            f1 = starts[i + 1][0] if i + 1 < len(starts) else n_frames
            t0 = round(self.time_of(f0), 3)
            t1 = round(self.time_of(f1), 3) if i + 1 < len(starts) else round(end_time, 3)
            shots.append(Shot(index=i + 1, start_s=t0, end_s=t1, keyframe_s=t0, start_frame=f0,
                              end_frame=f1, transition=kind))
        return shots

    # -- internals -----------------------------------------------------------------------------
    def _motion_compensated_diff(self, prev: _Feat, cur: _Feat) -> tuple[float, float, float]:
        plain = _dist(prev, cur)
        if plain < STILL_DIFF:  # nothing moved enough to matter: skip the phase correlation
            return plain, 0.0, 0.0
        if self._window is None or self._window.shape != cur.pic.shape:
            self._window = cv2.createHanningWindow((cur.pic.shape[1], cur.pic.shape[0]), cv2.CV_32F)
        # copies: OpenCV 5 applies the window to its inputs in place
        (dx, dy), response = cv2.phaseCorrelate(prev.pic.copy(), cur.pic.copy(), self._window)
        if response < 0.05 or (abs(dx) < 0.5 and abs(dy) < 0.5):
            return plain, (dx if response >= 0.05 else 0.0), (dy if response >= 0.05 else 0.0)
        h, w = cur.pic.shape
        if abs(dx) > w / 3 or abs(dy) > h / 3:
            return plain, dx, dy
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        shifted = cv2.warpAffine(prev.pic, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        mx, my = int(np.ceil(abs(dx))) + 1, int(np.ceil(abs(dy))) + 1
        inner = np.abs(cur.pic[my:h - my, mx:w - mx] - shifted[my:h - my, mx:w - mx])
        comp = float(inner.mean()) if inner.size else plain
        return min(plain, comp), dx, dy

    def _forget(self, before: int) -> None:
        # frames come in order, so only those between the last call's limit and this one's remain
        for k in range(self._forgotten, before):
            self._feats.pop(k, None)
            self._dmc.pop(k, None)
            self._dh.pop(k, None)
            self._flow_err.pop(k, None)
            self._local_c.pop(k, None)
            for j in (k - 1, k + 1):
                self._carry.pop((k, j), None)
        if self._block_errs:
            self._block_errs = {key: v for key, v in self._block_errs.items() if min(key) >= before}
        self._forgotten = max(self._forgotten, before)

    def _decide(self, t: int) -> None:
        feat = self._feats.get(t)
        if feat is None:
            return
        self._track_flat(t, feat)
        if not feat.flat:
            if self._long_gap(t) and (self._long_gap(t - 1) or self._long_gap(t + 1)):
                self._check_gap_cut(t)  # a low frame rate, not one pause in a normal one
            else:
                self._check_cut(t)
            self._check_dissolve(t)
            self._check_wipe(t)

    def _levels(self, t: int) -> tuple[float, float]:
        """Typical change before and after frame ``t`` (0.4 s each side)."""
        k = max(5, int(round(self.fps * 0.4)))
        left = [self._dmc[i] for i in range(t - k, t) if i in self._dmc]
        right = [self._dmc[i] for i in range(t + 1, t + k + 1) if i in self._dmc]
        return _level(left), _level(right)

    def _check_cut(self, t: int) -> None:
        d = self._dmc.get(t)
        before = t - 1
        prev = self._feats.get(before)
        if d is None or prev is None or prev.flat:
            return
        left, right = self._levels(t)
        level = max(left, right)
        # a spike against the change on both sides; or, into (or out of) a shot full of motion, a
        # spike of three times the calm side's change and twice the busy side's
        # (fast motion moves the picture but keeps its tones and its structure: the spike must change
        # the histogram, or break the structure that the busy shot's own frames keep)
        spike = d >= CUT_ABS and (d >= CUT_RATIO * level + CUT_MARGIN or (
            d >= CUT_RATIO * min(left, right) + CUT_MARGIN and d >= BUSY_RATIO * level + CUT_MARGIN
            and (self._dh.get(t, 0.0) >= BUSY_HIST or self._breaks_beyond_motion(t))))
        jump = self._dh.get(t, 0.0) >= HIST_JUMP and d >= 1.5 * level + CUT_MARGIN
        spike = spike or self._busy_side_cut(t, d, left, right) or self._busy_both_cut(t, d, level)
        if not (spike or jump) and d >= CUT_ABS and self._last_cut != before and self._flash_masked_cut(t):
            # a cut whose spike flashes around it hide (gunfire, a strobe, a muzzle flash on the cut)
            self._add_cut(t, d)
            return
        jump_cut = not (spike or jump)
        if jump_cut and not self._is_jump_cut(t, d, level):
            return
        # the middle of a change spread over frames (a focus pull, a whip pan) is not a cut: a cut
        # changes the picture between two frames, not also just before and just after
        if min(self._dmc.get(t - 1, 0.0), self._dmc.get(t + 1, 0.0)) >= BURST_SHARE * d:
            return
        if not jump_cut and self._structure_corr(prev, self._feats[t], framed=False) > SAME_PICTURE_CORR \
                and not self._framed_structure_breaks(t):
            return  # the same picture, brighter or darker (a step of a fade, a light switched on), maybe moved too
        # keep only the strongest of adjacent spikes
        if self._dmc.get(t + 1, 0.0) > d or self._last_cut == before:
            return
        if self._jump_transient(t) if jump_cut else self._is_transient(t, d, level):
            return
        if not jump_cut and self._inside_flash(t, d, level):
            return
        held = self._dmc.get(before, 0.0) <= DUPLICATE_DIFF
        if self._flow_ratio(t) < (HELD_EXPLAINS if held else MOTION_EXPLAINS):
            return  # local motion predicts this frame as well as its neighbours: a fast pan or swing, not a cut
        if not jump_cut and self._flow_ratio(t) < MOTION_CLEAR and self._local_corr(t) >= MOTION_KEEPS:
            return  # local motion predicts it nearly as well and keeps its structure: fast motion, motion blur
        self._add_cut(t, d)

    def _add_cut(self, t: int, score: float) -> None:
        """Record a hard cut at ``t`` (the first frame of the new shot, at that frame's time)."""
        self._last_cut = t
        self._times[t] = self._feats[t].t
        self._cuts.append(Boundary(t, "cut", t, t, score))

    def _is_jump_cut(self, t: int, d: float, level: float) -> bool:
        """A jump cut: the same framing, only part of the picture jumps (hands, a head): a smaller
        change than a cut's, but one that local motion cannot explain while it explains the frames
        around it; or, where hands move fast on both sides of it, one that changes the still part."""
        if d < JUMP_ABS:
            return False
        if d >= BUSY_RATIO * level + CUT_MARGIN and self._flow_ratio(t) >= JUMP_FLOW:
            return True
        return d >= 1.5 * level + 2.0 and d > self._dmc.get(t - 1, 0.0) and self._still_part_jumps(t)

    def _busy_side_cut(self, t: int, d: float, left: float, right: float) -> bool:
        """A cut between a very busy shot and a calm one, of about the busy shot's own change: the
        structure breaks at ``t`` and nowhere around it, the calm side stays calm, and the busy side is
        busy right up to the cut (each of its three frame changes next to ``t`` at least half its level:
        not a whip pan's blurred frames after a cut, which are one short burst)."""
        busy = max(left, right)
        if not (d >= CUT_ABS and d >= CUT_RATIO * min(left, right) + CUT_MARGIN and d >= busy + CUT_MARGIN):
            return False
        side = range(t - 3, t) if left >= right else range(t + 1, t + 4)
        if any(self._dmc.get(i, 0.0) < 0.5 * busy for i in side):
            return False
        return self._breaks_beyond_motion(t)

    def _busy_both_cut(self, t: int, d: float, level: float) -> bool:
        """A cut between two busy shots (a reel cutting every half second, both sides full of motion and
        changing light): a spike of only 1.5 times the busier side's change, whose structure breaks at ``t``
        and nowhere around it, and still breaks once dense local motion is undone (motion, motion blur and a
        camera lurch keep the picture's structure once their motion is undone; a new picture does not)."""
        if not (d >= CUT_ABS and d >= BOTH_RATIO * level + CUT_MARGIN):
            return False
        return self._structure_breaks(t) and self._local_corr(t) <= LOCAL_BREAK

    def _breaks_beyond_motion(self, t: int) -> bool:
        """Does the structure break at ``t`` and nowhere around it, and stay broken once dense local motion
        is undone (not a camera lurching, half the view going dark, which the global shift cannot undo)?"""
        return self._structure_breaks(t) and self._local_corr(t) <= LOCAL_KEEPS

    def _local_corr(self, i: int) -> float:
        """Correlation of frame ``i`` with frame ``i - 1`` carried onto it by dense local motion (cached)."""
        if i not in self._local_c:
            a, b = self._feats.get(i - 1), self._feats.get(i)
            if a is None or b is None:
                return 1.0
            inside = _inside_bars(a, b)  # the bars both share left out, as in _framed
            self._local_c[i] = _corr(self._warp(a, b).astype(np.float32)[inside], b.pic[inside])
        return self._local_c[i]

    def _lit_frames(self, a: int, b: int, cut: int) -> set[int]:
        """Frames of ``a``..``b`` lit by a flash, judged on each side of ``cut`` apart: runs of at most
        ``FLASH_LASTS`` seconds that a sudden brightening (``FLASH_GAIN`` in one frame) opens and a
        sudden darkening closes, every frame of the run that much brighter than the frame before it
        and the frame after it.  A run may open on ``cut`` (a flash on the cut frame: nothing of its
        own shot before it) if that frame changes from the one before as a flash or a cut does."""
        span = max(2, int(round(self.fps * FLASH_LASTS)))
        lit: set[int] = set()
        prev, first = self._feats.get(cut - 1), self._feats.get(cut)
        d = self._dmc.get(cut, 0.0)
        opens = prev is not None and first is not None and (
            first.mean - prev.mean >= FLASH_GAIN or d >= max(CUT_ABS, CUT_RATIO * self._levels(cut)[0] + CUT_MARGIN))
        for lo, hi in ((a, cut - 1), (cut, b)):
            for r in range(lo, hi + 1):
                for s in range(r, min(r + span, hi + 1)):
                    run = [self._feats.get(m) for m in range(r, s + 1)]
                    if any(f is None for f in run):
                        break
                    edges = [self._feats.get(m) for m in (r - 1, s + 1) if lo <= m <= hi]
                    if len(edges) < (1 if r == cut and opens else 2) or any(e is None for e in edges):
                        continue
                    floor = max(e.mean for e in edges) + FLASH_GAIN
                    if min(f.mean for f in run) >= floor and all(
                            float(np.mean(f.pic > e.pic)) >= FLASH_SPREAD for f in run for e in edges):
                        lit.update(range(r, s + 1))
                        break
        return lit

    def _structure_corr(self, a: _Feat, b: _Feat, framed: bool = True) -> float:
        """Correlation of two pictures, plain or with the camera's move undone (the bars both share
        left out unless ``framed`` is false), whichever is higher."""
        return max(_corr(a.pic, b.pic), self._aligned_corr(a, b, framed=framed))

    def _unlit_level(self, frames: list[int]) -> float:
        """Typical change between consecutive unlit frames (the lit frames between them skipped)."""
        diffs = []
        for a, b in zip(frames, frames[1:]):
            diffs.append(self._dmc[b] if b == a + 1 and b in self._dmc
                         else self._motion_compensated_diff(self._feats[a], self._feats[b])[0])
        return _level(diffs)

    def _flash_masked_cut(self, t: int) -> bool:
        """A hard cut masked by flashes (gunfire, a strobe, camera flashes, a muzzle flash on the cut
        frame): the lit frames raise the change around ``t`` so that no spike stands out.  With the
        frames a flash lights left out on each side of ``t`` (``_lit_frames``), the last unlit frame
        before ``t`` and the first from ``t`` on must differ as a cut between a busy and a calm shot
        does (``_busy_side_cut``'s tests, against the unlit frames' own change): three times the
        calm side's change and more than the busy side's, a break of the picture's structure that the
        unlit frames around keep, and a change local motion does not explain.  It is tried only where
        the flashes hide a cut: each side, lit frames left out, is evenly lit (a flash that was not
        found as one leaves it uneven), the frame before ``t`` is no flash against ``t``, and the lit
        frames raise the change level around ``t`` by ``FLASH_MASKS`` or more."""
        k = max(5, int(round(self.fps * 0.4)))
        span = max(3, int(round(self.fps * 0.2)))
        first = max(t - k, self._last_cut)  # the shot before t starts at the last cut
        lit = self._lit_frames(first, t + k, t)
        if not lit:
            return False
        left = [i for i in range(first, t) if i in self._feats and i not in lit]
        right = [i for i in range(t, t + k + 1) if i in self._feats and i not in lit]
        if len(left) < 3 or len(right) < 3:
            return False
        p, q = left[-1], right[0]
        fp, fq = self._feats[p], self._feats[q]
        if q - p > span + 1 or fp.flat or fq.flat:
            return False
        for side in (left, right):  # lit frames left out, each side is evenly lit (else a flash went unfound)
            means = [self._feats[i].mean for i in side]
            if max(means) - min(means) > FLASH_GAIN:
                return False
        if t - 1 in self._lit_frames(t - 1 - span, t, t + 1):
            return False  # a flash just before t (against t): the ordinary tests judge that
        lv_l, lv_r = self._unlit_level(left), self._unlit_level(right)
        if max(self._levels(t)) < FLASH_MASKS * (max(lv_l, lv_r) + 1.0):
            return False  # the flashes hide nothing: the ordinary tests have judged t
        d = self._motion_compensated_diff(fp, fq)[0]
        if d < CUT_ABS or d < max(lv_l, lv_r) + CUT_MARGIN or d < CUT_RATIO * min(lv_l, lv_r) + CUT_MARGIN:
            return False
        pairs = [*zip(left[-4:], left[-3:]), *zip(right[:3], right[1:4])]
        around = min(self._structure_corr(self._feats[x], self._feats[y]) for x, y in pairs)
        if self._structure_corr(fp, fq) > around - STRUCTURE_GAP:
            return False
        worst = max(self._predict_error(self._feats[x], self._feats[y]) for x, y in pairs)
        if self._predict_error(fp, fq) < MOTION_EXPLAINS * (worst + 1.0):
            return False  # local motion carries the old picture onto the new: motion, not a cut
        for m in range(t, q):  # a flash on the cut frame that is lit against the old picture too
            fm = self._feats[m]  # could be the old shot's last frame: it goes with the picture it is like
            if fm.mean >= fp.mean + FLASH_GAIN and self._structure_corr(fp, fm) > self._structure_corr(fm, fq):
                return False
        return True

    def _long_gap(self, t: int) -> bool:
        """Is frame ``t`` far apart in time from the frame before it (a slideshow, a very low frame rate,
        or one pause in the recording, which the frames around tell apart)?"""
        prev, cur = self._feats.get(t - 1), self._feats.get(t)
        return prev is not None and cur is not None and cur.t - prev.t >= LONG_GAP

    def _check_gap_cut(self, t: int) -> None:
        """A cut across a long gap in time at a low frame rate: there the change of the frames around says nothing about
        this one (every picture of a slideshow differs from the one before), so the two pictures are
        judged alone: a clear change that is not the same picture moved, brighter or darker."""
        prev, cur = self._feats[t - 1], self._feats[t]
        if prev.flat or _dist(prev, cur) < GAP_CUT_ABS:
            return
        if self._structure_corr(prev, cur, framed=False) >= GAP_CUT_CORR:
            return
        self._gap_cuts.add(t)
        self._add_cut(t, _dist(prev, cur))

    def _structure_breaks(self, t: int) -> bool:
        """Does the picture's structure break at ``t`` and nowhere around it?

        Motion inside a shot, however busy, keeps consecutive frames alike in structure (their
        correlation once the camera's move is undone); a cut does not.  A spike whose two frames
        correlate clearly less than every pair of consecutive frames in the three on either side
        (repeated frames left out) is a new picture, even where tones hardly change (the same
        colours in both shots) and the shot on one side moves a lot.
        """
        across = self._aligned_corr(self._feats[t - 1], self._feats[t])
        around = []
        for i in [*range(t - 3, t), *range(t + 1, t + 4)]:
            a, b = self._feats.get(i - 1), self._feats.get(i)
            if a is not None and b is not None and self._dmc.get(i, 0.0) > DUPLICATE_DIFF:
                around.append(self._aligned_corr(a, b))
        return len(around) >= 2 and across <= min(around) - STRUCTURE_GAP

    def _framed_structure_breaks(self, t: int) -> bool:
        """Between letterbox or pillarbox bars, does the picture's structure break at ``t`` and
        nowhere around it (``_structure_breaks``, which leaves the bars out)?  Fixed black bars make
        any two frames correlate (0.89-0.92 across a clear cut in a pillarboxed 1928 film, whose
        exposure flicker and animated drawings make every frame change): the same-picture test,
        measured on whole frames, cannot see the cut; the picture between the bars can.  Without bars
        the two tests measure the same thing (a whole frame above SAME_PICTURE_CORR cannot break)."""
        return any(self._feats[t - 1].bars) and any(self._feats[t].bars) and self._structure_breaks(t)

    def _still_part_jumps(self, t: int) -> bool:
        """A jump cut in one fixed framing, where hands move fast on both sides of it: does a part of
        the picture that is still on the two frames before ``t`` and the two after it change at ``t``?

        Motion is continuous: what moves at ``t`` also moves just before or just after it (or next to
        where it moves then).  A jump joins two moments of one framing: objects that stood still change
        on that one frame (the water in a glass, a spoon's contents) and stand still again.  A
        brightness or contrast change of the still part (exposure, an encoder's refresh) is fitted out.
        """
        pics = [self._feats.get(i) for i in range(t - 3, t + 3)]
        if any(p is None for p in pics):
            return False
        pic = [p.pic for p in pics]  # t-3 .. t+2
        around = None
        for k in (0, 1, 3, 4):  # the changes into t-2, t-1, t+1, t+2
            c = cv2.blur(cv2.absdiff(pic[k + 1], pic[k]), (5, 5))
            around = c if around is None else np.maximum(around, c)
        still = around <= STILL_PIXEL
        if float(still.mean()) < STILL_SHARE:
            return False
        x, y = pic[2][still], pic[3][still]  # t-1, t
        return _after_linear_fit(x, y) >= STILL_JUMP

    def _motion_error(self, i: int) -> float | None:
        """How badly frame ``i`` is predicted from frame ``i - 1`` by dense local motion (cached)."""
        if i not in self._flow_err:
            a, b = self._feats.get(i - 1), self._feats.get(i)
            if a is None or b is None:
                return None
            self._flow_err[i] = self._predict_error(a, b)
        return self._flow_err[i]

    def _predict_error(self, a: _Feat, b: _Feat) -> float:
        """Mean absolute luma error (0-255) of picture ``b`` predicted from ``a`` by dense local motion
        (DIS optical flow on the analysis picture, ``a`` warped along it)."""
        return cv2.norm(self._warp(a, b), b.pic.astype(np.uint8), cv2.NORM_L1) / b.pic.size

    def _warp(self, a: _Feat, b: _Feat) -> np.ndarray:
        """Picture ``a`` warped onto picture ``b`` along dense local motion (DIS optical flow), 8-bit."""
        if self._dis is None:
            self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        prev, cur = a.pic.astype(np.uint8), b.pic.astype(np.uint8)
        h, w = cur.shape
        if self._grid is None or self._grid[0].shape != cur.shape:
            self._grid = tuple(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)))
        flow = self._dis.calc(cur, prev, None)
        return cv2.remap(prev, self._grid[0] + flow[..., 0], self._grid[1] + flow[..., 1], cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)

    def _flow_ratio(self, t: int) -> float:
        """Local-motion prediction error of frame ``t`` against the worst of its neighbours' within
        ``FLOW_REACH`` frames on each side: a cut is a discontinuity in time, not just a large change.
        Repeated frames are left out, and so is a one-frame glitch (a damaged frame that the picture
        comes back from), which is a discontinuity of its own."""
        err = self._motion_error(t)
        if err is None:
            return float("inf")
        worst = None
        for i in range(t - FLOW_REACH, t + FLOW_REACH + 1):
            if i == t or self._dmc.get(i, 0.0) <= DUPLICATE_DIFF:
                continue
            e = self._motion_error(i)
            if e is None or (worst is not None and e <= worst):
                continue
            if e + 1.0 > err / JUMP_FLOW and (self._glitch(i) or self._glitch(i - 1)):
                continue
            worst = e
        if worst is None:
            return float("inf")
        return err / (worst + 1.0)

    def _glitch(self, i: int) -> bool:
        """Is frame ``i`` a one-frame glitch: badly predicted from the frame before it, and the frame
        after it well predicted from the frame before it?"""
        a, b = self._feats.get(i - 1), self._feats.get(i + 1)
        e_in, e_out = self._motion_error(i), self._motion_error(i + 1)
        if a is None or b is None or e_in is None or e_out is None:
            return False
        return self._predict_error(a, b) <= 0.5 * min(e_in, e_out)

    def _aligned_corr(self, prev: _Feat, cur: _Feat, framed: bool = True) -> float:
        """Correlation of two pictures after undoing the global translation between them (the
        overlapping part; the plain correlation when no translation is found); ``framed``: the bars
        both pictures share (letterbox, pillarbox) left out."""
        a, b = _framed(prev, cur) if framed else (prev.pic, cur.pic)
        window = self._window if a.shape == cur.pic.shape else None
        if window is None or window.shape != a.shape:
            window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
            if a.shape == cur.pic.shape:
                self._window = window
        (dx, dy), response = cv2.phaseCorrelate(a.copy(), b.copy(), window)
        h, w = b.shape
        if response < 0.05 or abs(dx) > w / 3 or abs(dy) > h / 3 or (abs(dx) < 0.5 and abs(dy) < 0.5):
            return _corr(a, b)
        shifted = cv2.warpAffine(a, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h),
                                 borderMode=cv2.BORDER_REPLICATE)
        mx, my = int(np.ceil(abs(dx))) + 1, int(np.ceil(abs(dy))) + 1
        return _corr(b[my:h - my, mx:w - mx], shifted[my:h - my, mx:w - mx])

    def _is_transient(self, t: int, d: float, level: float) -> bool:
        """A flash or a glitch rather than a cut: the picture from before comes back within ~0.2 s.

        Frames in between count as a transient when there is only one of them (a damaged or
        stray frame), when all are brighter than before (a flash) or when all are flat.
        """
        span = max(3, int(round(self.fps * 0.2)))
        near = max(0.35 * d, min(2.0 * level + 3.0, TRANSIENT_BACK * d))
        for k in range(1, span + 1):  # t starts the transient: does the old picture come back?
            before, later = self._feats.get(t - 1), self._feats.get(t + k)
            if before is not None and later is not None and _dist(before, later) <= near \
                    and self._transient_between(t - 1, t + k):
                return True
        for k in range(2, span + 2):  # t ends a transient: was this picture there just before it?
            before, cur = self._feats.get(t - k), self._feats.get(t)
            if before is not None and cur is not None and _dist(before, cur) <= near \
                    and self._transient_between(t - k, t):
                return True
        return False

    def _jump_transient(self, t: int) -> bool:
        """The transient test for a jump cut, where only part of the picture changes: does local motion
        predict a frame within ~0.2 s after ``t`` from the one before it (or ``t`` from one before the
        previous), at least twice as well as it predicts ``t`` from ``t - 1``?"""
        span = max(3, int(round(self.fps * 0.2)))
        err = self._motion_error(t) or 0.0
        for k in range(1, span + 1):
            before, later = self._feats.get(t - 1), self._feats.get(t + k)
            if before is not None and later is not None and self._predict_error(before, later) <= 0.5 * err \
                    and self._transient_between(t - 1, t + k):
                return True
        for k in range(2, span + 2):
            before, cur = self._feats.get(t - k), self._feats.get(t)
            if before is not None and cur is not None and self._predict_error(before, cur) <= 0.5 * err \
                    and self._transient_between(t - k, t):
                return True
        return False

    def _transient_between(self, i: int, j: int) -> bool:
        middle = [self._feats[m] for m in range(i + 1, j) if m in self._feats]
        if len(middle) <= 1:
            return True
        ref = self._feats[i]
        return all(m.mean - ref.mean >= FLASH_GAIN for m in middle) or all(m.flat for m in middle)

    def _check_dissolve(self, t: int) -> None:
        """Is ``t`` the end of a dissolve? Cheap tests first: most frames leave after one or two."""
        ft = self._feats[t]
        after = self._feats.get(t + 2)
        for w in self.windows:  # ascending, so the window start moves back
            a = t - w
            if a < self._last_cut:  # this and every longer window contain a cut
                break
            fa = self._feats.get(a)
            if fa is None or fa.flat:
                continue
            big = _dist(fa, ft)
            if big < DISSOLVE_MIN_DIFF:
                continue
            # the picture after t still changes fast: t is not the end of a transition into a still
            # picture (but may be the end of one into a moving shot, out of a still picture)
            end_still = after is None or _dist(ft, after) <= 0.45 * big
            before = self._feats.get(a - 2)
            start_still = before is None or _dist(before, fa) <= 0.45 * big
            if not (end_still or start_still):
                continue
            mid_alpha, mid_resid = _blend_one(fa.pic, ft.pic, self._feats[a + w // 2].pic)
            if not 0.2 <= mid_alpha <= 0.8 or mid_resid > MOVING_GATE:
                continue
            if max(self._dmc.get(i, 0.0) for i in range(a + 1, t + 1)) > 0.5 * big:
                continue
            if _corr(fa.pic, ft.pic) > SAME_PICTURE_CORR:
                continue
            if float(np.mean(np.abs(fa.pic - ft.pic) > DISSOLVE_MIN_DIFF)) < DISSOLVE_SPREAD:
                continue  # only part of the picture changed: something fades in or out over one shot
            if self._flash_dies(a, t):
                continue  # an explosion's light dying away inside one shot, not a second picture coming in
            if self._light_burst(a, t):
                continue  # a burst of light growing or dying over one unchanged scene (fireworks, a fireball)
            frames = list(range(a, t + 1))
            found = self._still_blend(a, t, w) if end_still and start_still else None
            into = self._dissolves
            if found is None:  # one side may move: the end picture holds still (forward) or the start picture does
                into = self._moving_dissolves
                if self._holds(t, range(t + 1, t + 4), big):
                    found = self._moving_blend(a, t, forward=True)
                if found is None and self._holds(a, range(a - 3, a), big):
                    found = self._moving_blend(a, t, forward=False)
            if found is None:
                continue
            alphas, inside = found
            start = frames[int(np.argmax(alphas < 0.95))]
            mid = frames[int(np.argmax(alphas <= 0.5))]
            end = frames[int(np.argmax(alphas <= 0.05))] if np.any(alphas <= 0.05) else t
            for i in (start, mid, end):
                self._times[i] = self._feats[i].t
            into.append(Boundary(mid, "dissolve", start, end, big * (1.0 - float(inside.mean()))))

    def _flash_dies(self, a: int, t: int) -> bool:
        """Is ``a``..``t`` the light of a flash dying away inside one shot (a fireball that fills the
        picture turning to smoke)?  Nearly all of the picture that changes darkens, the picture only
        darkens from frame to frame, and it has done so since a sudden brightening (``FLASH_GAIN`` in
        one frame, not a cut) at most a second before ``a``.  A dissolve brings in a second picture: it
        does not follow a flash, and where it darkens it does so into a picture of its own."""
        fa, ft = self._feats[a].pic, self._feats[t].pic
        changed = np.abs(fa - ft) > DISSOLVE_MIN_DIFF
        if not changed.any() or float(np.mean(ft[changed] < fa[changed])) < FLASH_DARKENS:
            return False
        if any(self._feats[i].mean > self._feats[i - 1].mean + FLASH_NOISE for i in range(a + 1, t + 1)):
            return False
        for k in range(a, a - int(round(self.fps)), -1):
            cur, prev = self._feats.get(k), self._feats.get(k - 1)
            if cur is None or prev is None or k <= self._last_cut:
                return False
            if cur.mean - prev.mean >= FLASH_GAIN:
                return True
            if cur.mean > prev.mean + FLASH_NOISE:
                return False
        return False

    def _light_added(self, base: _Feat, f: _Feat) -> bool:
        """Is ``f`` the picture ``base`` with light only added (nowhere clearly darker)?"""
        return float(np.mean(f.pic < base.pic - DISSOLVE_MIN_DIFF)) <= LIGHT_DARKER

    def _inside_flash(self, t: int, d: float, level: float) -> bool:
        """Is ``t`` inside a flash that began before ``t - 1`` (a burst that builds over two or three
        frames: night fireworks, an explosion, lightning whose bolt grows before it lights the sky)?  The
        picture before the flash comes back within ~0.2 s, every frame in between is that picture with
        light only added (brighter by ``FLASH_NOISE`` at least), and the brightest by ``FLASH_GAIN``.
        (A flash starting at ``t - 1`` or ``t`` is ``_is_transient``'s.)"""
        span = max(3, int(round(self.fps * 0.2)))
        near = max(0.35 * d, min(2.0 * level + 3.0, TRANSIENT_BACK * d))
        for i in range(t - 2, t - span - 1, -1):
            ref = self._feats.get(i)
            if ref is None or i < self._last_cut:
                return False
            for j in range(t + 1, i + span + 2):
                later = self._feats.get(j)
                if later is None or _dist(ref, later) > near:
                    continue
                middle = [self._feats.get(m) for m in range(i + 1, j)]
                if any(m is None for m in middle) or max(m.mean for m in middle) - ref.mean < FLASH_GAIN:
                    continue
                if all(m.mean - ref.mean >= FLASH_NOISE and self._light_added(ref, m) for m in middle):
                    return True
        return False

    def _light_burst(self, a: int, t: int) -> bool:
        """Is the dissolve-like change ``a``..``t`` a burst of light over one unchanged scene (a
        firework or a fireball growing, or its light dying away while new bursts flicker)?

        The darkest frame within a second before ``a`` (no cut since) is the unlit scene: both ends
        are that picture with light only added (nowhere clearly darker: a dissolve brings in a second
        picture, darker somewhere), and within the look-ahead after ``t`` the light has fallen back
        to at most ``LIGHT_BACK`` of its largest distance from the unlit picture (a dissolve into a
        bright shot stays bright)."""
        lo = max(a - int(round(self.fps)), self._last_cut, self._forgotten)
        frames = [k for k in range(lo, a + 1) if k in self._feats]
        if not frames:
            return False
        base = self._feats[min(frames, key=lambda k: self._feats[k].mean)]
        if not (self._light_added(base, self._feats[a]) and self._light_added(base, self._feats[t])):
            return False
        peak = max(_dist(base, self._feats[k]) for k in range(frames[0], t + 1) if k in self._feats)
        for q in range(t, t + self.lookahead + 1):
            f = self._feats.get(q)
            if f is None:
                break
            away = _dist(base, f)
            peak = max(peak, away)
            if away <= LIGHT_BACK * peak and self._light_added(base, f):
                return True
        return False

    def _still_blend(self, a: int, t: int, w: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Blend weights of frame ``a``'s picture in frames ``a``..``t`` and the residuals of the
        frames inside, if every frame is a blend of the two end pictures (a dissolve between two
        still shots); else None."""
        fa, ft = self._feats[a].pic, self._feats[t].pic
        mid_alpha, mid_resid = _blend_one(fa, ft, self._feats[a + w // 2].pic)
        if mid_resid > DISSOLVE_MAX_RESIDUAL:
            return None
        fit = _blend_fit(fa, ft, [self._feats[a + w * k // 4].pic for k in (1, 2, 3)])
        if fit is None or not _blend_shape(fit[0]) or float(fit[1].max()) > DISSOLVE_MAX_RESIDUAL:
            return None
        alphas, resid = _blend_fit(fa, ft, [self._feats[i].pic for i in range(a, t + 1)])
        inside = resid[1:-1]
        if inside.size == 0 or float(np.max(inside)) > DISSOLVE_MAX_RESIDUAL:
            return None
        return alphas, inside

    def _moving_blend(self, a: int, t: int, forward: bool) -> tuple[np.ndarray, np.ndarray] | None:
        """A dissolve whose one side moves, into (``forward``) or out of a still picture.

        Forward: each frame inside is fitted as c x (the frame before it, carried along by dense
        local motion) + (1 - c) x the still end picture; the moving side's share of frame i is the
        product of the c's up to i.  Backward, the mirror: the frame after, carried back, blended
        with the still start picture.  A frame counts toward the fall only where the blend explains
        clearly more than local motion alone does (inside one moving shot c drifts a little under 1
        where the camera settles on the end picture, and the still picture explains little).  Every
        frame must fit; the window must open on a few frames of the moving shot alone (not in the
        middle of an effect inside one shot, a fireball fading over a man who stays); the moving
        side's share must fall without a jump and be nearly gone next to the still end; and the blend
        steps must bridge most of the two end pictures' difference (a moving shot that settles on the
        end picture bridges it by motion).
        Returns the outgoing side's share in frames ``a``..``t`` and the residuals inside, or None.
        Dense motion is computed here only, on windows every cheaper dissolve test has let through.
        """
        fa, ft = self._feats[a].pic, self._feats[t].pic
        base = float(np.sqrt(np.mean((fa - ft) ** 2)))
        inner = list(range(a + 1, t) if forward else range(t - 1, a, -1))  # from the moving side's end
        if base <= 0 or len(inner) <= MOVING_LEAD:
            return None
        carried = [self._carried(i, i - 1 if forward else i + 1) for i in inner]
        if any(c is None for c in carried):
            return None
        still = (ft if forward else fa).reshape(1, -1)
        cur = np.stack([self._feats[i].pic.reshape(-1) for i in inner])
        moved = np.stack(carried).reshape(len(inner), -1)
        x, d = cur - still, moved - still
        den = (d * d).sum(axis=1)
        if float(den.min()) <= 0:
            return None
        c = (x * d).sum(axis=1) / den
        e_blend = np.sqrt(np.mean((x - c[:, None] * d) ** 2, axis=1))
        if float(e_blend.max()) > MOVING_RESIDUAL * base:
            return None
        e_motion = np.sqrt(np.mean((cur - moved) ** 2, axis=1))
        kept = np.where((c < 1.0) & (e_blend <= (1.0 - MOVING_GAIN) * e_motion), np.maximum(c, 0.0), 1.0)
        moving = np.cumprod(kept)  # the moving side's share, frame by frame away from it
        if float(moving[:MOVING_LEAD].min()) < 0.95 or float(moving[-1]) > MOVING_LEFT:
            return None  # blended from the start (not opening on the moving shot alone), or not ending on the still side
        if float(np.max(np.concatenate(([1.0], moving[:-1])) - moving)) > MOVING_STEP:
            return None  # a jump, not a dissolve
        if float(((1.0 - kept) * np.sqrt(den / d.shape[1])).sum()) < MOVING_BLENDED * base:
            return None  # motion, not the blend, brought the picture to the still end
        resid = e_blend / base
        if forward:
            return np.concatenate(([1.0], moving, [0.0])), resid
        return np.concatenate(([1.0], 1.0 - moving[::-1], [0.0])), resid[::-1]

    def _check_wipe(self, t: int) -> None:
        """Is ``t`` the end of a wipe (or any transition with a moving edge: an iris, a clock, blinds,
        a mosaic of blocks)?  On each frame inside, part of the picture already shows the new shot and
        the rest still the old one, and the new part grows until it covers everything; both shots may
        keep moving.  Each block of each middle frame is matched to the nearer of the two end pictures
        (each moved by up to ``WIPE_SHIFT``): nearly every block must be one of them (a mosaic of the two
        pictures, not a blend and not a moved picture), each block must turn from the old picture to
        the new one once, the blocks must do so at different times (not a cut, not a dissolve, which
        turns every block at once) and neighbouring blocks at nearly the same time (an edge sweeping
        the picture, not noise), from almost none to almost all of the picture.  Cheap tests on the
        end pictures and the middle frame first: the block matching runs only on windows they let through.
        """
        ft = self._feats[t]
        for w in sorted({max(6, int(round(self.fps * s))) for s in WIPE_SECONDS}):
            a = t - w
            if a < self._last_cut:  # this and every longer window contain a cut
                break
            fa = self._feats.get(a)
            if fa is None or fa.flat or ft.flat:
                continue
            big = _dist(fa, ft)
            if big < DISSOLVE_MIN_DIFF or max(self._dmc.get(i, 0.0) for i in range(a + 1, t + 1)) > WIPE_STEP_DIFF * big:
                continue  # one frame step changes much of the whole difference: motion or a cut, not an edge
            if float((_block_mean(cv2.absdiff(fa.pic, ft.pic)) >= WIPE_DIFF).mean()) < WIPE_LIVE:
                continue  # (no move of a block lowers its difference below this unmoved one's: exact, and cheap)
            if _corr(fa.pic, ft.pic) > SAME_PICTURE_CORR:
                continue
            found = self._wipe_fit(a, t)
            if found is not None:
                mid, score = found
                self._times[mid] = self._feats[mid].t
                self._wipes.append(Boundary(mid, "wipe", a + 1, t - 1, score))

    def _wipe_fit(self, a: int, t: int) -> tuple[int, float] | None:
        """The middle frame of a wipe from ``a``'s picture to ``t``'s (where half the blocks have
        switched) and its strength, or None (see ``_check_wipe``)."""
        ends = self._block_err(a, t)
        live = ends >= WIPE_DIFF
        if float(live.mean()) < WIPE_LIVE:
            return None  # the two pictures differ only in part: something moving across one shot
        scale = np.maximum(ends[live], 1.0)
        m0 = (a + t) // 2  # the middle frame first: half switched, each block one of the two pictures
        e_old, e_new = self._block_err(a, m0)[live], self._block_err(t, m0)[live]
        if float(np.median(np.minimum(e_old, e_new) / scale)) > WIPE_EXPLAINED:
            return None
        if not WIPE_ENDS <= float(np.mean(e_new < e_old)) <= 1.0 - WIPE_ENDS:
            return None
        inner = range(a + 1, t)
        n = len(inner)
        e_old = np.stack([self._block_err(a, m)[live] for m in inner])  # (frames, live blocks)
        e_new = np.stack([self._block_err(t, m)[live] for m in inner])
        if float(np.max(np.median(np.minimum(e_old, e_new) / scale[None], axis=1))) > WIPE_EXPLAINED:
            return None  # some frame is no mosaic of the two pictures (a blur, a blend, a moved picture)
        new = e_new < e_old
        share = new.mean(axis=1)
        if float(share[:2].mean()) > WIPE_ENDS or float(share[-2:].mean()) < 1.0 - WIPE_ENDS:
            return None
        # each block's switch: the frame from which on it is the new picture that fits its labels best
        before = np.concatenate([np.zeros((1, new.shape[1])), np.cumsum(new, axis=0)])  # new labels before k
        cost = before + (np.arange(n, -1, -1)[:, None] - (before[-1][None] - before))
        switch = cost.argmin(axis=0)
        if float(1.0 - cost.min(axis=0).mean() / n) < WIPE_FIT:
            return None
        lo, hi = np.percentile(switch, [10, 90])
        if (hi - lo) / n < WIPE_SPREAD:
            return None  # every block at once: a cut or a dissolve, which the other tests judge
        grid = np.full(live.shape, -1.0)
        grid[live] = switch
        both_v, both_h = (grid[1:] >= 0) & (grid[:-1] >= 0), (grid[:, 1:] >= 0) & (grid[:, :-1] >= 0)
        gaps = np.concatenate([np.abs(grid[1:] - grid[:-1])[both_v], np.abs(grid[:, 1:] - grid[:, :-1])[both_h]])
        if gaps.size == 0 or float(gaps.mean()) / n > WIPE_COHERENT:
            return None  # switch times scattered over the picture: no edge sweeping it
        # a narrow edge: on no frame step does most of the picture change (a whip pan, a fast tilt do)
        steps = np.stack([self._block_err(m - 1, m)[live] for m in range(a + 1, t + 1)]) / scale[None]
        if float(np.max((steps >= WIPE_STEP).mean(axis=1))) > WIPE_EDGE:
            return None
        # each block changes at its switch, not gradually: the block just before it against just after
        jump = np.empty(switch.shape)
        for k in np.unique(switch):
            sel = switch == k
            i0, i1 = max(a, a + k - 2), min(t, a + k + 3)  # a + 1 + k is the block's first new frame
            jump[sel] = self._block_err(i0, i1)[live][sel] / scale[sel]
        if float(np.percentile(jump, 25)) < WIPE_JUMP:
            return None
        return a + 1 + int(np.median(switch)), float(np.median(ends[live]))

    def _block_err(self, i: int, j: int) -> np.ndarray:
        """Mean absolute difference (0-255) of frame ``j``'s picture from frame ``i``'s, per block of
        ``WIPE_BLOCK`` pixels, the best over moves of ``i``'s picture by up to ``WIPE_SHIFT`` (cached)."""
        key = (i, j)
        if key not in self._block_errs:
            p, q = self._feats[i].pic, self._feats[j].pic
            h, w = q.shape
            r = WIPE_SHIFT
            pad = cv2.copyMakeBorder(p, r, r, r, r, cv2.BORDER_REPLICATE)
            bh, bw = h // WIPE_BLOCK, w // WIPE_BLOCK
            hb, wb = bh * WIPE_BLOCK, bw * WIPE_BLOCK
            side = np.concatenate([cv2.absdiff(q[:hb, :wb], pad[r + dy:r + dy + hb, r + dx:r + dx + wb])
                                   for dy in range(-r, r + 1) for dx in range(-r, r + 1)], axis=1)  # every move, side by side
            means = _block_mean(side)  # block means of every move, in one resize
            best = means.reshape(bh, (2 * r + 1) ** 2, bw).min(axis=1)
            self._block_errs[key] = best
        return self._block_errs[key]

    def _holds(self, i: int, others: range, big: float) -> bool:
        """Does frame ``i``'s picture hold still over ``others`` (each within a small share of ``big``)?"""
        ref = self._feats[i]
        return all(k in self._feats and _dist(ref, self._feats[k]) <= MOVING_STILL * big for k in others)

    def _carried(self, i: int, j: int) -> np.ndarray | None:
        """Frame ``j``'s picture carried onto frame ``i``'s by dense local motion (cached)."""
        key = (i, j)
        if key not in self._carry:
            a, b = self._feats.get(j), self._feats.get(i)
            if a is None or b is None:
                return None
            self._carry[key] = self._warp(a, b).astype(np.float32)
        return self._carry[key]

    def _hard_cut_into(self, t: int) -> bool:
        d = self._dmc.get(t, 0.0)
        return t in self._feats and d >= CUT_ABS and d >= CUT_RATIO * self._levels(t)[0] + CUT_MARGIN

    def _track_flat(self, t: int, feat: _Feat) -> None:
        if feat.flat:
            if self._flat_start is None:
                self._flat_start = t
                self._times[t] = feat.t
                self._flat_left = self._change_around(t, range(t - self._dip_reach(), t))
                self._flat_cut_in = t > 0 and self._hard_cut_into(t)
            return
        if self._flat_start is not None:
            self._close_flat_run(t, at_end=False)

    def _dip_reach(self) -> int:
        """Frames on each side of a flat run looked at to tell a fade from flat content (0.4 s, the
        look-ahead: those after the run are decoded when it closes)."""
        return min(self.lookahead, max(3, int(round(self.fps * 0.4))))

    def _change_around(self, edge: int, others: range) -> float:
        """Largest mean luma difference between the flat run's ``edge`` frame and ``others``."""
        ref = self._feats.get(edge)
        if ref is None:
            return 255.0
        diffs = [_dist(ref, self._feats[i]) for i in others if i in self._feats]
        return max(diffs) if diffs else 255.0

    def _changes_across(self, b0: int, t: int) -> bool:
        """Do the pictures on the two sides of the flat run ``b0``..``t - 1`` differ clearly (a mean
        change of ``CUT_ABS`` or more, not the same picture brighter or darker)?  A hard cut through a
        black frame into a very dark shot changes little from the black frame to the dark shot (3.6-3.9,
        museum-trailer 724) but 15-15.6 across it; an even sky hovering at the flat threshold is the same
        picture on both sides.  Only a run cut into counts this way: a night sky that hovers at the flat
        threshold and is then lit by a lightning flash enters its run with hardly a change (1.0) and
        leaves it for a picture as different (10-47 across)."""
        a, b = self._feats.get(b0 - 1), self._feats.get(t)
        if a is None or b is None or a.flat or b.flat or _dist(a, b) < CUT_ABS:
            return False
        return self._structure_corr(a, b, framed=False) <= SAME_PICTURE_CORR

    def _hard_edges(self, b0: int, t: int) -> bool:
        """Is the flat run ``b0``..``t - 1`` entered and left by hard cuts, not by fades?  Next to a
        hard cut the picture has the contrast of the frames beyond it (``EDGE_KEEP``); a fade to or from
        black loses it over the frames next to the run."""
        def keeps(edge: int, beyond: range) -> bool:
            f = self._feats.get(edge)
            others = [self._feats[i].std for i in beyond if i in self._feats]
            return f is not None and not f.flat and bool(others) and f.std >= EDGE_KEEP * max(others)
        return self._flat_cut_in and keeps(b0 - 1, range(b0 - 4, b0 - 1)) and keeps(t, range(t + 1, t + 4))

    def _close_flat_run(self, t: int, at_end: bool) -> None:
        b0 = self._flat_start
        self._flat_start = None
        if b0 == 0 and not at_end and t > self.fps * 1.0 and self._hard_cut_into(t):
            # a flat leader of more than a second (a black screen) that the picture cuts into: the
            # first shot of content starts at that cut, as after a long flat stretch further on
            self._times[t] = self._feats[t].t
            self._fades.append(Boundary(t, "cut", t, t, 100.0))
            return
        if b0 == 0:
            self._opening_end = t  # a fade-in from it goes on past the last flat frame: no dissolve there
        if at_end and b0 and self._flat_cut_in and t - b0 >= 2:
            # a hard cut to black (or any flat picture) that lasts to the end of the file: the flat
            # ending is a shot of its own (a fade out at the end stays part of the last shot)
            self._fades.append(Boundary(b0, "cut", b0, b0, 100.0))
            return
        if b0 is None or b0 == 0 or at_end:
            return  # a flat opening (faded in from, or shorter than a second) or ending belongs to its shot
        b1 = t - 1  # last flat frame
        if min(self._flat_left, self._change_around(b1, range(t, t + self._dip_reach()))) < CUT_ABS \
                and not (self._flat_cut_in and self._changes_across(b0, t)):
            return  # the picture hardly changes on one side of the run: flat content (an even sky), not a fade
        if self.fps * BLACK_SHOT <= (b1 - b0 + 1) <= self.fps * 1.0 and self._hard_edges(b0, t) \
                and self._changes_across(b0, t):
            # a short black slug cut into and out of: a shot of its own, its two cuts at their frames
            for i in (b0, t):
                self._times[i] = self.time_of(i)
                self._fades.append(Boundary(i, "cut", i, i, 100.0))
            return
        self._times[t] = self._feats[t].t if t in self._feats else t / self.fps
        if (b1 - b0 + 1) > self.fps * 1.0:  # a long flat stretch is a shot of its own
            self._times[b0] = self._feats[b0].t if b0 in self._feats else b0 / self.fps
            self._fades.append(Boundary(b0, "fade", b0, b0, 100.0))
            self._fades.append(Boundary(t, "fade", t, t, 100.0))
        else:
            mid = (b0 + t) // 2
            self._times[mid] = self._feats[mid].t if mid in self._feats else mid / self.fps
            self._fades.append(Boundary(mid, "fade", b0, b1, 100.0))


def _level(diffs: list[float]) -> float:
    """Typical frame-to-frame change, ignoring repeated frames (frame-rate conversion duplicates, held
    drawings).  When fewer than ``LEVEL_MOVING`` frames of the stretch move at all, the shot is still, not
    held: its level is that of every frame, or the one spike of a nearby cut would be taken for the level."""
    moving = sorted(d for d in diffs if d > DUPLICATE_DIFF)
    if len(moving) < LEVEL_MOVING:
        moving = sorted(diffs)
    if not moving:
        return 0.0
    mid = len(moving) // 2
    return moving[mid] if len(moving) % 2 else 0.5 * (moving[mid - 1] + moving[mid])


def _after_linear_fit(x: np.ndarray, y: np.ndarray) -> float:
    """Mean absolute difference of ``y`` from the best fit ``a * x + b`` (least squares): what is left of a
    change once a brightness and contrast change is taken out."""
    mx, my = float(x.mean()), float(y.mean())
    dx, dy = x - mx, y - my
    var = float(dx @ dx)
    a = float(dx @ dy) / var if var > 1e-6 else 1.0
    return float(np.abs(dy - a * dx).mean())


def _block_mean(diff: np.ndarray) -> np.ndarray:
    """Mean of ``diff`` over blocks of ``WIPE_BLOCK`` pixels (the edge rows and columns that make no whole block left out)."""
    bh, bw = diff.shape[0] // WIPE_BLOCK, diff.shape[1] // WIPE_BLOCK
    return cv2.resize(diff[:bh * WIPE_BLOCK, :bw * WIPE_BLOCK], (bw, bh), interpolation=cv2.INTER_AREA)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / den if den > 0 else 1.0


def _blend_one(fa: np.ndarray, ft: np.ndarray, fm: np.ndarray) -> tuple[float, float]:
    """Blend weight of ``fa`` in ``fm`` (between ``fa`` and ``ft``) and the relative residual."""
    diff = (fa - ft).ravel()
    den = float(diff @ diff)
    if den <= 0:
        return 0.0, 1.0
    x = (fm - ft).ravel()
    alpha = float(x @ diff) / den
    r = x - alpha * diff
    return alpha, float(np.sqrt(float(r @ r) / den))


def _blend_shape(q: np.ndarray) -> bool:
    """Blend weights at a quarter, half and three quarters of a window fall like a dissolve's."""
    return bool(q[0] >= q[1] - 0.05 and q[1] >= q[2] - 0.05 and 0.2 <= q[1] <= 0.8 and q[0] - q[2] >= 0.3)


def _blend_fit(fa: np.ndarray, ft: np.ndarray, frames: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Blend weight of ``fa`` (1 = all fa, 0 = all ft) and relative residual for each frame."""
    diff = (fa - ft).reshape(-1)
    den = float(diff @ diff)
    if den <= 0:
        return None
    stack = np.stack([f.reshape(-1) for f in frames]) - ft.reshape(1, -1)
    alphas = stack @ diff / den
    resid = stack - alphas[:, None] * diff[None, :]
    rel = np.sqrt((resid ** 2).mean(axis=1)) / np.sqrt(den / diff.size)
    return np.clip(alphas, -0.5, 1.5), rel


def _cluster(cands: list[Boundary]) -> list[Boundary]:
    """One boundary per group of overlapping dissolve candidates: the strongest one."""
    out: list[Boundary] = []
    for b in sorted(cands, key=lambda b: b.start):
        if out and b.start <= out[-1].end:
            if b.score > out[-1].score:
                out[-1] = Boundary(b.frame, b.kind, min(b.start, out[-1].start), max(b.end, out[-1].end), b.score)
            else:
                out[-1] = Boundary(out[-1].frame, out[-1].kind, out[-1].start, max(b.end, out[-1].end), out[-1].score)
            continue
        out.append(b)
    return out
