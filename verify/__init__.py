"""verify: offline checks of video evidence."""

__version__ = "0.1.0"
