"""Conversion: offline pipeline, streaming, TTS front ends, post-processing."""
