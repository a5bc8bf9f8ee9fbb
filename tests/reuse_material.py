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
