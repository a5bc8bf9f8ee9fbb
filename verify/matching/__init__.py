"""Reused-footage matching: the known-footage index and what is searched against it.

- ``store.py``    the SQLite index of known footage (transactional writes, one row per reference)
- ``search.py``   a reference set in memory: every hash in one FAISS binary index, plus the owners
- ``align.py``    temporal alignment: matched frame pairs with one offset and speed become spans
- ``check.py``    geometric and motion check of a span against the reference's own thumbnails
- ``reuse.py``    the whole search for one clip: findings in ``report.reused`` and the flags
- ``repeats.py``  the same span shown twice inside one clip
"""
