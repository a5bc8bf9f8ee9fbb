"""Test material for reused-footage tests, made at test time from the fixtures with the imageio-ffmpeg
binary: references (excerpts) and transformed copies (the issue's families), cached per session."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

BANNER = ("drawbox=x=0:y=ih*0.8:w=iw:h=ih*0.2:color=0x1830c0:t=fill,"
          "drawbox=x=iw*0.05:y=ih*0.84:w=iw*0.5:h=ih*0.05:color=white:t=fill,"
          "drawbox=x=iw*0.05:y=ih*0.91:w=iw*0.3:h=ih*0.04:color=white:t=fill")
LOGO = "drawbox=x=iw*0.82:y=ih*0.04:w=iw*0.14:h=ih*0.1:color=white@0.8:t=fill"

#: name -> (ffmpeg video filter, CRF, speed factor the copy plays at)
TRANSFORMS: dict[str, tuple[str, int, float]] = {
    "mirror": ("hflip", 23, 1.0),
    "crop20": ("crop=iw*0.8:ih*0.8:iw*0.2:0", 23, 1.0),
    "pillarbox_banner": ("scale=360:270,pad=640:360:140:45:color=0x30a040," + BANNER, 23, 1.0),
    "speed125": ("setpts=PTS/1.25", 23, 1.25),
    "crf38": ("null", 38, 1.0),
    "small176": ("scale=176:-2", 30, 1.0),
    "colour_noise_logo": ("eq=brightness=0.06:contrast=0.8:gamma=1.25,noise=alls=12:allf=t,gblur=sigma=1," + LOGO,
                          28, 1.0),
    "combined": ("hflip,crop=iw*0.85:ih*0.85:iw*0.1:ih*0.02,scale=480:270,pad=640:360:80:45:color=black,"
                 + BANNER + "," + LOGO + ",eq=brightness=0.05:gamma=1.2,setpts=PTS/1.25,scale=320:-2", 28, 1.25),
}


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=300)


def excerpt(src: Path, start: float, length: float, out: Path) -> Path:
    """A re-encoded excerpt (what an archive would hold)."""
    if not out.exists():
        ffmpeg("-ss", str(start), "-t", str(length), "-i", str(src), "-an", "-c:v", "libx264", "-preset", "veryfast",
               "-crf", "20", "-pix_fmt", "yuv420p", str(out))
    return out


def transformed(src: Path, name: str, out_dir: Path) -> Path:
    """``src`` put through transformation ``name`` of ``TRANSFORMS``."""
    vf, crf, _ = TRANSFORMS[name]
    out = out_dir / f"{src.stem}-{name}.mp4"
    if not out.exists():
        ffmpeg("-i", str(src), "-an", "-vf", vf, "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
               "-pix_fmt", "yuv420p", str(out))
    return out


#: every family at once at the strongest settings: mirror, 20 % crop, yellow pillarbox bars, a banner and a
#: logo, colour, temporal noise, 15 fps, 1.3x faster, 176 px wide, CRF 38 (the copy plays at 1.3x)
EVERYTHING = ("hflip,crop=iw*0.8:ih*0.8:iw*0.1:ih*0.1,scale=480:270,pad=640:360:80:45:color=0xd0d020,"
              "drawbox=x=0:y=ih*0.82:w=iw:h=ih*0.18:color=0x202080:t=fill,"
              "drawbox=x=iw*0.85:y=ih*0.05:w=iw*0.1:h=ih*0.08:color=white:t=fill,"
              "eq=brightness=0.08:contrast=0.8:gamma=1.25,noise=alls=10:allf=t,fps=15,setpts=PTS/1.3,scale=176:-2")


def everything(src: Path, out: Path) -> Path:
    """``src`` put through ``EVERYTHING`` at CRF 38."""
    if not out.exists():
        ffmpeg("-i", str(src), "-an", "-vf", EVERYTHING, "-c:v", "libx264", "-preset", "veryfast", "-crf", "38",
               str(out))
    return out


# --- issue 13: footage as platforms reframe it -------------------------------------------------------------
#: a white caption box with two dark "lines of text", as platforms put above or below a vertical video
CAPTION = ("drawbox=x=iw*0.06:y=ih*0.08:w=iw*0.88:h=ih*0.14:color=white:t=fill,"
           "drawbox=x=iw*0.1:y=ih*0.11:w=iw*0.7:h=ih*0.025:color=0x202020:t=fill,"
           "drawbox=x=iw*0.1:y=ih*0.16:w=iw*0.5:h=ih*0.025:color=0x202020:t=fill")
#: a news lower third: a coloured strip with a white name bar
LOWER_THIRD = ("drawbox=x=0:y=ih*0.78:w=iw*0.7:h=ih*0.12:color=0xb01818:t=fill,"
               "drawbox=x=iw*0.03:y=ih*0.81:w=iw*0.45:h=ih*0.05:color=white:t=fill")


def vertical_fill(src: Path, out: Path) -> Path:
    """``src`` (16:9) in a 9:16 frame over a blurred, enlarged copy of itself, with a caption box on top
    (the TikTok / Reels / Shorts layout), 360x640."""
    if not out.exists():
        ffmpeg("-i", str(src), "-an", "-filter_complex",
               "[0:v]split[a][b];[b]scale=-2:640,crop=360:640,gblur=sigma=18[bg];[a]scale=360:-2[fg];"
               "[bg][fg]overlay=0:(H-h)/2," + CAPTION + "[v]", "-map", "[v]",
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p", str(out))
    return out


def static_in_bars(src: Path, out: Path, crf: int = 26) -> Path:
    """``src`` scaled down inside black bars with a coloured banner and caption below it (640x360)."""
    if not out.exists():
        ffmpeg("-i", str(src), "-an", "-vf",
               "scale=400:-2,pad=640:360:(ow-iw)/2:20:color=black,"
               "drawbox=x=0:y=ih*0.82:w=iw:h=ih*0.18:color=0x2060c0:t=fill,"
               "drawbox=x=iw*0.05:y=ih*0.86:w=iw*0.6:h=ih*0.05:color=white:t=fill",
               "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", str(out))
    return out


def reencoded(src: Path, out: Path, crf: int = 30) -> Path:
    """A plain re-encode of ``src``."""
    if not out.exists():
        ffmpeg("-i", str(src), "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
               "-pix_fmt", "yuv420p", str(out))
    return out


def still_of(src: Path, t: float, out: Path) -> Path:
    """The frame of video ``src`` at ``t`` seconds as a PNG (a photo)."""
    if not out.exists():
        ffmpeg("-ss", str(t), "-i", str(src), "-frames:v", "1", str(out))
    return out


def ken_burns(photo: Path, out: Path, seconds: float = 6.0, zoom: float = 2.0, start: float = 1.0) -> Path:
    """A 640x360 25 fps clip of ``photo`` zooming in slowly from ``start``x to ``zoom``x towards a point
    right of and above the centre (the "Ken Burns" effect)."""
    if not out.exists():
        n = int(seconds * 25)
        ffmpeg("-loop", "1", "-i", str(photo), "-an", "-vf",
               f"scale=1280:-2,crop=1280:720,zoompan=z='{start}+{zoom - start}*on/{n}':"
               f"x='(iw-iw/zoom)*0.6':y='(ih-ih/zoom)*0.4':d={n}:s=640x360:fps=25",
               "-frames:v", str(n), "-c:v", "libx264", "-preset", "veryfast", "-crf", "24",
               "-pix_fmt", "yuv420p", str(out))
    return out


def picture_in_picture(background: Path, window: Path, out: Path, seconds: float = 8.0, x: int = 320, y: int = 24,
                       width: int = 288, border: bool = True, lower_third: bool = True) -> Path:
    """``window`` scaled to ``width`` px (16:9) at ``x``, ``y`` of ``background`` (640x360; both played
    from their start), with a thin white border and a lower third by default: a news broadcast
    showing a clip."""
    if not out.exists():
        height = int(round(width * 9 / 16 / 2)) * 2
        frame = ",drawbox=x=0:y=0:w=iw:h=ih:color=white:t=2" if border else ""
        ffmpeg("-i", str(background), "-i", str(window), "-an", "-filter_complex",
               f"[0:v]scale=640:360,setsar=1,fps=25[bg];[1:v]scale={width}:{height},setsar=1,fps=25{frame}[w];"
               f"[bg][w]overlay={x}:{y}:shortest=1" + ("," + LOWER_THIRD if lower_third else "") + "[v]",
               "-map", "[v]", "-t", str(seconds),
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "24", "-pix_fmt", "yuv420p", str(out))
    return out


def split_screen(left: Path, right: Path, out: Path, seconds: float = 8.0) -> Path:
    """Two clips side by side, each 320x180, in a 640x360 frame on a dark grey ground with a title bar."""
    if not out.exists():
        ffmpeg("-i", str(left), "-i", str(right), "-an", "-filter_complex",
               "[0:v]scale=316:178,setsar=1,fps=25[a];[1:v]scale=316:178,setsar=1,fps=25[b];"
               "color=c=0x282828:s=640x360:r=25[g];[g][a]overlay=2:91:shortest=1[ga];[ga][b]overlay=322:91,"
               "drawbox=x=0:y=300:w=iw:h=44:color=0xd0a020:t=fill,"
               "drawbox=x=20:y=312:w=300:h=18:color=black:t=fill[v]", "-map", "[v]", "-t", str(seconds),
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "24", "-pix_fmt", "yuv420p", str(out))
    return out


def held_still(src: Path, t: float, out: Path, seconds: float = 5.0) -> Path:
    """The frame of video ``src`` at ``t`` seconds held for ``seconds`` (25 fps): a camera on a tripod
    filming a scene where nothing moves."""
    if not out.exists():
        ffmpeg("-ss", str(t), "-i", str(src), "-an", "-vf", f"trim=end_frame=1,loop=loop={int(seconds * 25) - 1}:size=1,"
               "setpts=N/25/TB,fps=25", "-frames:v", str(int(seconds * 25)), "-c:v", "libx264", "-preset", "veryfast",
               "-crf", "20", "-pix_fmt", "yuv420p", str(out))
    return out


def face_cam(work: Path, seconds: float = 8.0) -> Path:
    """Real footage of a person talking to the camera: ``fixtures/carphone.mp4`` (4 s, 176x144) played
    forwards then backwards (no cut), 25 fps, ``seconds`` long: the face cam of a reaction video."""
    out = work / f"face-{seconds:g}.mp4"
    if not out.exists():
        ffmpeg("-i", str(FIXTURES / "carphone.mp4"), "-an", "-filter_complex",
               "[0:v]fps=25,setsar=1,split[a][b];[b]reverse[r];[a][r]concat=n=2:v=1:a=0[v]", "-map", "[v]",
               "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
               str(out))
    return out


#: reaction layouts: (frame w, h, ground colour, [(x, y, w, h) of the known clip], (x, y, w, h) of the face cam)
REACTION_LAYOUTS = {
    # horizontal: the clip at the left, the face cam beside it at the right
    "side": (640, 360, "0x101418", (8, 70, 400, 224), (420, 78, 212, 172)),
    # vertical: the clip at the top under a caption, the face cam below it (a TikTok reaction)
    "below": (360, 640, "0x000000", (0, 150, 360, 202), (20, 372, 320, 262)),
    # horizontal: the clip fills the frame, the face cam in a corner over it
    "over": (640, 360, "0x000000", (0, 0, 640, 360), (456, 196, 168, 136)),
}


def reaction(clip: Path, face: Path, layout: str, out: Path, seconds: float = 8.0) -> Path:
    """A reaction video: ``clip`` in part of the frame and the person reacting to it (``face``) beside,
    below or over it (``REACTION_LAYOUTS``), both from their start, a white frame round the face cam."""
    if not out.exists():
        fw, fh, ground, (cx, cy, cw, ch), (px, py, pw, ph) = REACTION_LAYOUTS[layout]
        caption = "," + CAPTION if fh > fw else ""
        ffmpeg("-i", str(clip), "-i", str(face), "-an", "-filter_complex",
               f"color=c={ground}:s={fw}x{fh}:r=25[g];[0:v]scale={cw}:{ch},setsar=1,fps=25[c];"
               f"[1:v]scale={pw}:{ph},setsar=1,fps=25,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=3[p];"
               f"[g][c]overlay={cx}:{cy}:shortest=1[gc];[gc][p]overlay={px}:{py}{caption}[v]",
               "-map", "[v]", "-t", str(seconds),
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "24", "-pix_fmt", "yuv420p", str(out))
    return out


#: still cameras framed by flat colour (issue 13, item 1): name -> (ffmpeg filter graph from [0:v] to [v],
#: where the picture is as x, y, w, h fractions of the 640x360 frame).  Bars and bands of any colour,
#: on one side or unevenly, a banner with "text" and a blurred copy of the picture as a fill.
TEXT = ("drawbox=x={x}:y={y}:w={w}:h={h}:color={c}:t=fill,"
        "drawbox=x={x}+{w}*0.05:y={y}+{h}*0.25:w={w}*0.5:h={h}*0.22:color=white:t=fill,"
        "drawbox=x={x}+{w}*0.05:y={y}+{h}*0.6:w={w}*0.3:h={h}*0.16:color=white:t=fill")
FRAMES = {
    # a coloured banner along the bottom, nothing else: one inner edge, no window
    "banner": ("[0:v]scale=640:360,setsar=1," + TEXT.format(x=0, y=280, w=640, h=80, c="0xd04010") + "[v]",
               (0.0, 0.0, 1.0, 280 / 360)),
    # one brand-colour band down the left side (a channel's sidebar with a logo), nothing else
    "sideband": ("[0:v]scale=640:360,setsar=1," + TEXT.format(x=0, y=0, w=150, h=360, c="0x1a7a3a") + "[v]",
                 (150 / 640, 0.0, 490 / 640, 1.0)),
    # white bars, uneven (the picture 40 px from the left, 95 px from the top), a blue banner on top
    "white": ("[0:v]scale=400:226,setsar=1,pad=640:360:40:95:color=white,"
              + TEXT.format(x=0, y=0, w=640, h=70, c="0x2040a0") + "[v]", (40 / 640, 95 / 360, 400 / 640, 226 / 360)),
    # the picture over a blurred, enlarged copy of itself (a still camera: the fill is still too), off
    # centre, with a red banner at the bottom
    "blurfill": ("[0:v]split[a][b];[b]scale=640:360,setsar=1,gblur=sigma=20[bg];[a]scale=384:216,setsar=1[fg];"
                 "[bg][fg]overlay=220:40," + TEXT.format(x=0, y=290, w=640, h=70, c="0xb01818") + "[v]",
                 (220 / 640, 40 / 360, 384 / 640, 216 / 360)),
}


def framed(src: Path, frame: str, out: Path) -> Path:
    """``src`` framed as ``FRAMES[frame]`` (640x360)."""
    if not out.exists():
        ffmpeg("-i", str(src), "-an", "-filter_complex", FRAMES[frame][0], "-map", "[v]",
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p", str(out))
    return out


def reframe_refs(work: Path) -> dict[str, Path]:
    """Known footage for issue 13's families: ministry's street (a static camera), box and cup shots,
    scenes.mp4's tree (a nearly static camera, tree.avi from 8 s), a frame of ministry's street held
    for 5 s (a camera where nothing moves) and a photo (photo.jpg, Leuven)."""
    ministry = FIXTURES / "ministry.mp4"
    return {"street": excerpt(ministry, 0, 4, work / "street.mp4"),
            "box": excerpt(ministry, 4, 8, work / "box.mp4"),
            "cup": excerpt(ministry, 16, 8, work / "cup.mp4"),
            "tree": excerpt(FIXTURES / "scenes.mp4", 9, 5, work / "tree.mp4"),
            "held": held_still(ministry, 2.0, work / "held.mp4"),
            "photo": FIXTURES / "photo.jpg"}


#: family -> list of (case name, expected {ref title: (clip start, clip end, ref start, ref end)}); an
#: empty expectation is a hard negative (no finding at all)
REFRAME_FAMILIES = {
    "vertical_fill": ["vfill", "vfill_other"],
    "still_in_bars": ["tree_bars", "street_bars", "held_bars", "tree_bars_other", "held_bars_other", "street_bars_other"],
    "still_in_colour": ["held_banner", "tree_sideband", "street_white", "held_white", "held_blurfill", "tree_white",
                        "held_banner_other", "tree_sideband_other", "held_white_other", "held_blurfill_other"],
    "still_reencode": ["tree_re", "held_re", "held_re_other", "held_re_later"],
    "ken_burns": ["ken_burns", "ken_burns_other"],
    "picture_in_picture": ["pip", "pip_noborder", "pip_small", "pip_other"],
    "split_screen": ["split", "split_twice", "split_twice_later", "split_other"],
    "reaction": ["react_side", "react_below", "react_over", "react_side_other", "react_below_other",
                 "react_over_other"],
}


def reframe_case(name: str, work: Path) -> tuple[Path, dict[str, tuple[float, float, float, float]]]:
    """One clip of issue 13's families, made from real footage (cached in ``work``), and what it holds
    of ``reframe_refs`` (clip start, clip end, reference start, reference end; a photo: 0, 0)."""
    refs = reframe_refs(work)
    ministry, cuts, scenes = FIXTURES / "ministry.mp4", FIXTURES / "cuts.mp4", FIXTURES / "scenes.mp4"
    mega = lambda: excerpt(cuts, 19.9, 9, work / "mega.mp4")  # noqa: E731 - Megamind, moving, cut: a broadcast's own footage
    lake = lambda: excerpt(scenes, 19, 4, work / "lake.mp4")  # noqa: E731 - a pan over a lake, not known
    street_other = lambda: excerpt(cuts, 0, 3, work / "street-other.mp4")  # noqa: E731 - the street camera at other times
    cases = {
        # ministry as a vertical post: street 0-4 s, box 4-16 s (box ref = 4-12 s), cup 16-24 s
        "vfill": lambda: (vertical_fill(ministry, work / "vfill.mp4"),
                          {"street": (0, 4, 0, 4), "box": (4, 12, 0, 8), "cup": (16, 24, 0, 8)}),
        "vfill_other": lambda: (vertical_fill(street_other(), work / "vfill-other.mp4"), {}),
        "tree_bars": lambda: (static_in_bars(excerpt(scenes, 8, 7, work / "tree-long.mp4"), work / "tree-bars.mp4"),
                              {"tree": (1, 6, 0, 5)}),
        "street_bars": lambda: (static_in_bars(refs["street"], work / "street-bars.mp4"), {"street": (0, 4, 0, 4)}),
        "held_bars": lambda: (static_in_bars(refs["held"], work / "held-bars.mp4"), {"held": (0, 5, 0, 5)}),
        # the tree at other times (tree.avi 2-5 s), the street at other times, held and moving
        "tree_bars_other": lambda: (static_in_bars(excerpt(cuts, 6.4, 2.8, work / "tree-other.mp4"),
                                                   work / "tree-bars-other.mp4"), {}),
        "held_bars_other": lambda: (static_in_bars(held_still(cuts, 1.0, work / "held-other.mp4"),
                                                   work / "held-bars-other.mp4"), {}),
        "street_bars_other": lambda: (static_in_bars(street_other(), work / "street-bars-other.mp4"), {}),
        # still cameras framed by flat colour and a blurred fill (FRAMES), and other times of the same cameras
        "held_banner": lambda: (framed(refs["held"], "banner", work / "held-banner.mp4"), {"held": (0, 5, 0, 5)}),
        "tree_sideband": lambda: (framed(excerpt(scenes, 8, 7, work / "tree-long.mp4"), "sideband",
                                         work / "tree-sideband.mp4"), {"tree": (1, 6, 0, 5)}),
        "street_white": lambda: (framed(refs["street"], "white", work / "street-white.mp4"), {"street": (0, 4, 0, 4)}),
        "held_white": lambda: (framed(refs["held"], "white", work / "held-white.mp4"), {"held": (0, 5, 0, 5)}),
        "tree_white": lambda: (framed(excerpt(scenes, 8, 7, work / "tree-long.mp4"), "white",
                                      work / "tree-white.mp4"), {"tree": (1, 6, 0, 5)}),
        "held_blurfill": lambda: (framed(refs["held"], "blurfill", work / "held-blurfill.mp4"), {"held": (0, 5, 0, 5)}),
        "held_banner_other": lambda: (framed(held_still(cuts, 1.0, work / "held-other.mp4"), "banner",
                                             work / "held-banner-other.mp4"), {}),
        "tree_sideband_other": lambda: (framed(excerpt(cuts, 6.4, 2.8, work / "tree-other.mp4"), "sideband",
                                               work / "tree-sideband-other.mp4"), {}),
        "held_white_other": lambda: (framed(held_still(ministry, 3.8, work / "held-later.mp4"), "white",
                                            work / "held-white-other.mp4"), {}),
        "held_blurfill_other": lambda: (framed(held_still(cuts, 2.5, work / "held-other2.mp4"), "blurfill",
                                               work / "held-blurfill-other.mp4"), {}),
        "tree_re": lambda: (reencoded(refs["tree"], work / "tree-re.mp4", 34), {"tree": (0, 5, 0, 5)}),
        "held_re": lambda: (reencoded(refs["held"], work / "held-re.mp4"), {"held": (0, 5, 0, 5)}),
        "held_re_other": lambda: (reencoded(held_still(cuts, 2.5, work / "held-other2.mp4"), work / "held-re-other.mp4"),
                                  {}),
        # the same camera 1.8 s later: the walkers have moved
        "held_re_later": lambda: (reencoded(held_still(ministry, 3.8, work / "held-later.mp4"),
                                            work / "held-re-later.mp4"), {}),
        "ken_burns": lambda: (ken_burns(refs["photo"], work / "ken-burns.mp4"), {"photo": (0, 6, 0, 0)}),
        # a pan and zoom over another real photo (the bus of drive.mp4's first frame)
        "ken_burns_other": lambda: (ken_burns(still_of(FIXTURES / "drive.mp4", 1.0, work / "bus.png"),
                                              work / "ken-burns-other.mp4"), {}),
        "pip": lambda: (picture_in_picture(mega(), refs["cup"], work / "pip.mp4"), {"cup": (0, 8, 0, 8)}),
        # no border, 60 % of the width at the left, the lower third over the window's bottom
        "pip_noborder": lambda: (picture_in_picture(mega(), refs["cup"], work / "pip-noborder.mp4", x=30, y=110,
                                                    width=384, border=False), {"cup": (0, 8, 0, 8)}),
        # 47 % of the width in the bottom right corner, no border, no lower third
        "pip_small": lambda: (picture_in_picture(mega(), refs["cup"], work / "pip-small.mp4", x=320, y=180,
                                                 width=300, border=False, lower_third=False), {"cup": (0, 8, 0, 8)}),
        "pip_other": lambda: (picture_in_picture(mega(), lake(), work / "pip-other.mp4", seconds=4), {}),
        "split": lambda: (split_screen(refs["cup"], refs["box"], work / "split.mp4"),
                          {"cup": (0, 8, 0, 8), "box": (0, 8, 0, 8)}),
        # the same known clip twice side by side: at the same moment, and the right one 3 s later
        "split_twice": lambda: (split_screen(refs["cup"], refs["cup"], work / "split-twice.mp4", seconds=5),
                                {"cup": [(0, 5, 0, 5), (0, 5, 0, 5)]}),
        "split_twice_later": lambda: (split_screen(refs["cup"], excerpt(ministry, 19, 5, work / "cup-later.mp4"),
                                                   work / "split-twice-later.mp4", seconds=5),
                                      {"cup": [(0, 5, 0, 5), (0, 5, 3, 8)]}),
        # reactions: a known clip with a person talking beside, below or over it; the negatives show
        # footage not in the index in the same layouts (the face cam is never known either)
        "react_side": lambda: (reaction(refs["cup"], face_cam(work), "side", work / "react-side.mp4"),
                               {"cup": (0, 8, 0, 8)}),
        "react_below": lambda: (reaction(refs["box"], face_cam(work), "below", work / "react-below.mp4"),
                                {"box": (0, 8, 0, 8)}),
        "react_over": lambda: (reaction(refs["cup"], face_cam(work), "over", work / "react-over.mp4"),
                               {"cup": (0, 8, 0, 8)}),
        "react_side_other": lambda: (reaction(lake(), face_cam(work), "side", work / "react-side-other.mp4", 4), {}),
        "react_below_other": lambda: (reaction(excerpt(FIXTURES / "drive.mp4", 0, 6, work / "bus.mp4"),
                                               face_cam(work), "below", work / "react-below-other.mp4", 6), {}),
        "react_over_other": lambda: (reaction(mega(), face_cam(work), "over", work / "react-over-other.mp4"), {}),
        "split_other": lambda: (split_screen(lake(), excerpt(FIXTURES / "drive.mp4", 0, 6, work / "bus.mp4"),
                                             work / "split-other.mp4", seconds=4), {}),
    }
    return cases[name]()


#: where the known footage sits in the frame (x, y, w, h as fractions), when it is not the whole frame
REFRAME_WINDOWS = {
    "vfill": {title: (0.0, 219 / 640, 1.0, 202 / 640) for title in ("street", "box", "cup")},
    "pip": {"cup": (0.5, 24 / 360, 0.45, 0.45)},
    "pip_noborder": {"cup": (30 / 640, 110 / 360, 0.6, 216 / 360)},
    "pip_small": {"cup": (0.5, 0.5, 300 / 640, 168 / 360)},
    "split": {"cup": (2 / 640, 91 / 360, 316 / 640, 178 / 360), "box": (322 / 640, 91 / 360, 316 / 640, 178 / 360)},
    "split_twice": {"cup": [(2 / 640, 91 / 360, 316 / 640, 178 / 360), (322 / 640, 91 / 360, 316 / 640, 178 / 360)]},
    "split_twice_later": {"cup": [(2 / 640, 91 / 360, 316 / 640, 178 / 360),
                                  (322 / 640, 91 / 360, 316 / 640, 178 / 360)]},
    "held_banner": {"held": FRAMES["banner"][1]},
    "tree_sideband": {"tree": FRAMES["sideband"][1]},
    "street_white": {"street": FRAMES["white"][1]},
    "tree_white": {"tree": FRAMES["white"][1]},
    "held_white": {"held": FRAMES["white"][1]},
    "held_blurfill": {"held": FRAMES["blurfill"][1]},
    "react_side": {"cup": (8 / 640, 70 / 360, 400 / 640, 224 / 360)},
    "react_below": {"box": (0.0, 150 / 640, 1.0, 202 / 640)},
    "react_over": {"cup": (0.0, 0.0, 1.0, 1.0)},
}


def expectations(name: str, expected: dict) -> list[tuple[str, tuple[float, float, float, float], tuple | None]]:
    """What case ``name`` must yield, one entry per finding: (reference title, (clip start, clip end,
    reference start, reference end), window (x, y, w, h) or None).  A title shown in two windows (a
    split screen of one clip twice) has two entries, each with its own window."""
    out = []
    for title, spans in expected.items():
        windows = REFRAME_WINDOWS.get(name, {}).get(title)
        if isinstance(spans, list):
            out += [(title, tuple(span), tuple(win)) for span, win in zip(spans, windows)]
        else:
            out.append((title, tuple(spans), tuple(windows) if windows is not None else None))
    return out


def score_findings(findings: list[dict], wants: list, photos: set[str] = frozenset()) -> tuple[list[bool], int]:
    """Which of ``wants`` (``expectations``) the findings yield, and how many findings are false.

    A finding yields a want when its reference, clip span (start 0.5 s, end 1 s), reference span
    (the same) and ``window`` (0.04 of the frame, when the want has one) are right and a title in
    ``photos`` is reported as a photo; each want is yielded once.  A finding that yields no want
    at all (footage not in the clip, or the right footage at the wrong place, time or window) is
    false; one repeating a want already yielded is not counted either way."""
    hits = [False] * len(wants)
    false = 0
    for f in findings:
        title, w = f["ref"]["title"], f.get("window", {})
        fits = []
        for k, (t, (c0, c1, r0, r1), win) in enumerate(wants):
            ok = (t == title and abs(f["start_s"] - c0) <= 0.5 and abs(f["end_s"] - c1) <= 1.0
                  and abs(f["ref_start_s"] - r0) <= 0.5 and abs(f["ref_end_s"] - r1) <= 1.0
                  and (win is None or all(abs(w.get(key, -1) - v) <= 0.04 for key, v in zip("xywh", win)))
                  and (t not in photos or f["ref"].get("kind") == "photo"))
            if ok:
                fits.append(k)
        free = [k for k in fits if not hits[k]]
        if free:
            hits[free[0]] = True
        elif not fits:
            false += 1
    return hits, false
