"""Cheap colour and structure cues of one picture, used beside the network's embedding.

All cues are fractions in [0, 1] computed on the small model input (224 x 224 RGB):

* ``sky``: share of the top third that looks like sky (bright blue, or bright, grey-white and
  smooth as an overcast sky is);
* ``vegetation``: share of the picture in the greens and yellow-greens of leaves and grass;
* ``ground``: share of the bottom third that is grey and unsaturated (asphalt, paving, concrete);
* ``lines``: share of strong gradients that are close to vertical or horizontal (man-made
  structure: walls, windows, kerbs, furniture);
* ``flat``: 1 when the picture is one flat colour (black, white, a fade), else 0.
"""

from __future__ import annotations

import cv2
import numpy as np

CUE_NAMES = ("sky", "vegetation", "ground", "lines", "flat")
FLAT_STD = 6.0  # luma standard deviation under which a picture is flat


def cues(rgb: np.ndarray) -> np.ndarray:
    """The cue vector (``len(CUE_NAMES)`` float32 values) of an RGB uint8 picture."""
    small = cv2.resize(rgb, (96, 96), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    h = hsv[..., 0].astype(np.int16)  # 0..179
    s = hsv[..., 1].astype(np.float32) / 255.0
    v = hsv[..., 2].astype(np.float32) / 255.0
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.hypot(gx, gy)
    smooth = mag < 40.0

    third = small.shape[0] // 3
    top = slice(0, third)
    blue = (h >= 90) & (h <= 130) & (s >= 0.15) & (v >= 0.45)
    overcast = (s < 0.12) & (v >= 0.75)
    sky = float(np.mean(((blue | overcast) & smooth)[top]))

    vegetation = float(np.mean((h >= 30) & (h <= 90) & (s >= 0.25) & (v >= 0.15)))

    bottom = slice(2 * third, None)
    ground = float(np.mean(((s < 0.15) & (v >= 0.2) & (v <= 0.8))[bottom]))

    strong = mag > 60.0
    if strong.any():
        angle = np.abs(np.degrees(np.arctan2(gy[strong], gx[strong]))) % 90.0
        lines = float(np.mean((angle < 10.0) | (angle > 80.0)))
    else:
        lines = 0.0
    flat = 1.0 if float(gray.std()) < FLAT_STD else 0.0
    return np.array([sky, vegetation, ground, lines, flat], dtype=np.float32)
