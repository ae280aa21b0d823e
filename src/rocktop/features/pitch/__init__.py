"""Pitch extractors (``PitchExtractor``), chosen by name from a registry."""
