"""rocktop: train singer/voice models and run studio-grade 48 kHz voice conversion."""

__version__ = "0.1.0"
