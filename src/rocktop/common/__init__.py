"""Helpers every layer may use: the error base, atomic file writes, hashing, batch jobs.

``rocktop.common`` imports nothing else of rocktop, so every other package may import it.
"""
