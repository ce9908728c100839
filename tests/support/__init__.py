"""Shared test helpers (importable as ``support.X``: pytest runs with ``pythonpath = tests``)."""
