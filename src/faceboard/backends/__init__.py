"""Backends: one module per face-recognition source, behind the `Backend` protocol."""
