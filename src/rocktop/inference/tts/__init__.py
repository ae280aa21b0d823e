"""Text-to-speech front ends: a small base, a registry, and one file per backend."""
