"""Qiwang (期望): customer expectation and satisfaction management."""

__version__ = "0.1.0"
