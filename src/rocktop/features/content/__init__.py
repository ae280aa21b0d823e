"""Content encoders (``ContentEncoder``), chosen by name from a registry."""
