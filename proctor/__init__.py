"""Proctor: practise and grade FastAPI interviews."""

__version__ = "0.1.0"
