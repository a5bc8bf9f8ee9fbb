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


def ken_burns(photo: Path, out: Path, seconds: float = 6.0, zoom: float = 2.0) -> Path:
    """A 640x360 25 fps clip of ``photo`` zooming in slowly from 1x to ``zoom``x towards a point right of
    and above the centre (the "Ken Burns" effect)."""
    if not out.exists():
        n = int(seconds * 25)
        ffmpeg("-loop", "1", "-i", str(photo), "-an", "-vf",
               f"scale=1280:-2,crop=1280:720,zoompan=z='1+{zoom - 1}*on/{n}':"
               f"x='(iw-iw/zoom)*0.6':y='(ih-ih/zoom)*0.4':d={n}:s=640x360:fps=25",
               "-frames:v", str(n), "-c:v", "libx264", "-preset", "veryfast", "-crf", "24",
               "-pix_fmt", "yuv420p", str(out))
    return out


def picture_in_picture(background: Path, window: Path, out: Path, seconds: float = 8.0) -> Path:
    """``window`` scaled to 45 % of the width in the top-right corner of ``background`` (both
    played from their start), with a lower third: a news broadcast showing a clip (640x360)."""
    if not out.exists():
        ffmpeg("-i", str(background), "-i", str(window), "-an", "-filter_complex",
               "[0:v]scale=640:360,setsar=1,fps=25[bg];[1:v]scale=288:162,setsar=1,fps=25,"
               "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=2[w];[bg][w]overlay=320:24:shortest=1,"
               + LOWER_THIRD + "[v]", "-map", "[v]", "-t", str(seconds),
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
