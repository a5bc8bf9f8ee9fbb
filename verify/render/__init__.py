"""Renderers: they only read the report model (``verify/report.py``)."""
