"""The version, in a module that imports nothing (the CLI prints it without loading numpy)."""

__version__ = "0.1.0"
