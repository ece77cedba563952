"""Benchmarks of inspection-reliability against peer libraries (``python -m benchmarks``)."""
