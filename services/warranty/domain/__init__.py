"""Warranty rules (seeds 001 and 002, Polish Civil Code): pure functions and data, no I/O."""
