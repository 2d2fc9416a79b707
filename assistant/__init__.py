"""Core of the offline writing assistant: engine, models, tasks. No Qt widgets here."""

__version__ = "0.1.0"
