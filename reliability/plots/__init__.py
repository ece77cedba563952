"""Plots (matplotlib; every function returns the Figure)."""
