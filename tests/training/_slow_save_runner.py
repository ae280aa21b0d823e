"""Run ``rocktop train`` with the Nth checkpoint save stalled halfway through its write.

Used by test_kill_resume.py: the Nth ``torch.save`` writes half of the checkpoint bytes,
creates ``$SLOW_SAVE_MARKER`` and sleeps, so the test can SIGKILL the process mid-save.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import torch

from rocktop.cli.main import main
from rocktop.training import checkpointing

_real_save = torch.save
_calls = {"n": 0}


def _stalling_save(obj: object, f: object, *args: object, **kwargs: object) -> None:
    _calls["n"] += 1
    if _calls["n"] < int(os.environ["SLOW_SAVE_AT"]):
        _real_save(obj, f, *args, **kwargs)  # type: ignore[arg-type]
        return
    buffer = io.BytesIO()
    _real_save(obj, buffer)
    data = buffer.getvalue()
    with open(f, "wb") as handle:  # type: ignore[arg-type]
        handle.write(data[: len(data) // 2])
        handle.flush()
    Path(os.environ["SLOW_SAVE_MARKER"]).write_text(str(f))
    time.sleep(600)


checkpointing.torch.save = _stalling_save  # type: ignore[assignment]
main(sys.argv[1:])
