#!/usr/bin/env python3
"""Train the scene head (``verify/scenes/head.npz``) offline from labelled real photos.

The head is a multinomial logistic regression over the 1280-d EfficientNet-Lite0 embedding plus
the colour cues of ``verify/scenes/cues.py``, for the labels street / indoor / outdoor / unknown.
Its training pictures are the real photos of Debian's ``opencv-doc`` package labelled by eye in
``tools/scene_labels.json``; every video clip (vtest, box, cup, tree, Megamind) and the photos
listed under ``held_out`` there are never trained on, because the fixtures and the accuracy
benchmark are made from them.

Each labelled photo is seen as a camera would frame it: the whole picture, 16:9 windows at its
left, centre, right, top and bottom, a 70 % zoom, and mirrored copies, each shrunk the way the
decode pass makes its thumbnails (384 px long side) and then squeezed to 224 x 224.  Classes are
weighted equally; the L2 weight was chosen by leave-clips-out checks (see README "Scene timeline").

Get the photos on a Debian machine (as for fixtures/build.py), then run from the repository root::

    apt-get download opencv-doc && dpkg -x opencv-doc_*.deb /tmp/opencvdoc
    .venv/bin/python tools/train_scene_head.py --root /tmp/opencvdoc/usr/share/doc/opencv-doc
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verify.decode import thumb_size  # noqa: E402
from verify.scenes.cues import CUE_NAMES  # noqa: E402
from verify.scenes.model import BUNDLED_SIZE, LABELS, EfficientNetLite0, head_input  # noqa: E402

L2 = 3e-3
STEPS = 600


def views(img: np.ndarray, full_only: bool) -> list[np.ndarray]:
    """How a camera could frame ``img``: whole, 16:9 windows, a zoom, and their mirror images."""
    h, w = img.shape[:2]
    out = [img]
    if not full_only:
        cw, ch = (w, int(w * 9 / 16)) if w * 9 / 16 <= h else (int(h * 16 / 9), h)
        for fx, fy in ((0, 0.5), (0.5, 0.5), (1, 0.5), (0.5, 0), (0.5, 1)):
            x0, y0 = int((w - cw) * fx), int((h - ch) * fy)
            out.append(img[y0:y0 + ch, x0:x0 + cw])
        zw, zh = int(cw * 0.7), int(ch * 0.7)
        out.append(img[(h - zh) // 2:(h - zh) // 2 + zh, (w - zw) // 2:(w - zw) // 2 + zw])
    out += [v[:, ::-1] for v in out[:3]]
    return out


def model_input(view: np.ndarray) -> np.ndarray:
    """Thumbnail as the decode pass makes it, then the model's 224 x 224 input."""
    h, w = view.shape[:2]
    tw, th = thumb_size((w, h))
    thumb = cv2.resize(np.ascontiguousarray(view), (tw, th), interpolation=cv2.INTER_AREA)
    return cv2.resize(thumb, (BUNDLED_SIZE, BUNDLED_SIZE), interpolation=cv2.INTER_AREA)


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced softmax regression with an L2 penalty, fitted with Adam (deterministic)."""
    n, d = x.shape
    k = len(LABELS)
    counts = np.bincount(y, minlength=k).astype(np.float64)
    weight = 1.0 / counts[y]
    weight /= weight.sum()
    onehot = np.eye(k)[y]
    w, b = np.zeros((d, k)), np.zeros(k)
    state = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    for t in range(1, steps + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * weight[:, None]
        grads = (x.T @ g + l2 * w, g.sum(axis=0))
        for i, (param, grad) in enumerate(zip((w, b), grads)):
            m, v = state[2 * i], state[2 * i + 1]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w, b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=Path("/tmp/opencvdoc/usr/share/doc/opencv-doc"),
                    help="the extracted opencv-doc folder (usr/share/doc/opencv-doc)")
    ap.add_argument("--labels", type=Path, default=ROOT / "tools" / "scene_labels.json")
    ap.add_argument("--out", type=Path, default=ROOT / "verify" / "scenes" / "head.npz")
    args = ap.parse_args(argv)

    spec = json.loads(args.labels.read_text())
    held = set(spec["held_out"])
    net = EfficientNetLite0(threads=2)
    feats, ys = [], []
    used = 0
    for rel, label in sorted(spec["labels"].items()):
        if rel in held:
            continue
        bgr = cv2.imread(str(args.root / rel))
        if bgr is None:
            print(f"missing or unreadable: {args.root / rel}", file=sys.stderr)
            return 2
        batch = np.stack([model_input(v) for v in views(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), label == "unknown")])
        feats.append(head_input(net.embed(batch), batch))
        ys += [LABELS.index(label)] * len(batch)
        used += 1
    x = np.concatenate(feats).astype(np.float64)
    y = np.array(ys)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-3
    w, b = fit((x - mu) / sd, y)
    counts = {lab: int(np.sum(y == i)) for i, lab in enumerate(LABELS)}
    about = (f"softmax regression on the EfficientNet-Lite0 embedding (1280) + cues {', '.join(CUE_NAMES)}; "
             f"{BUNDLED_SIZE} px input; {used} opencv-doc photos, {len(y)} views {counts}; L2 {L2}, {STEPS} Adam steps; "
             f"held out: {len(held)} photos and every video")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, labels=np.array(LABELS), mu=mu.astype(np.float32), sd=sd.astype(np.float32),
                        w=w.astype(np.float32), b=b.astype(np.float32), input_size=np.array(BUNDLED_SIZE),
                        about=np.array(about))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): {about}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
