"""The ``rocktop`` command line: one typer group per pipeline stage, each command ~20 lines."""
