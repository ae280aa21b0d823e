"""Hydra configuration tree shipped as package data, and its dataclass schemas.

``config_dir()`` is the folder holding ``train.yaml`` and the groups (data, features, model,
trainer, logger, callbacks, experiment, debug, paths). Objects are built from it only by
``rocktop.training.builders``; no module receives a config object.
"""

from __future__ import annotations

from pathlib import Path


def config_dir() -> Path:
    """Absolute path of the shipped config tree."""
    return Path(__file__).parent
