"""Fingerprints of moving pictures, the same on both sides (the clip and the known footage).

- ``pdq.py``        PDQ hashes (Meta's pdqhash) of small grey pictures, plain and mirrored, with quality
- ``live_area.py``  the live picture area: letterbox/pillarbox bars and static banners found and cut off
- ``sampling.py``   a few grey thumbnails per second, from the decode pass or from a file
- ``prints.py``     fingerprints of a clip (live-area variants, mirrored) and of a reference (crop grid)
"""
