"""Analyzers fed by the single decode pass; each lives in its own file behind ``base.Analyzer``.

- ``shots.py``      shot boundaries: hard cuts, dissolves, fades; robust to flashes and camera motion
- ``keyframes.py``  one sharp, typical frame per shot, with pHash and PDQ
- ``scenes.py``     street / indoor / outdoor timeline and camera motion (after ``shots``)
"""

from .base import Analyzer, StreamInfo

__all__ = ["Analyzer", "StreamInfo"]
