"""The restricted unpickler runs nothing from the file, yet reads the tensors."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest
import torch

from rocktop.common.errors import RocktopError
from rocktop.features.content.safe_pickle import Placeholder, fairseq_model_state, load_restricted


class _Exploit:
    """Unpickling this calls ``open(target, "w")``, creating a file, if anything executes it."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return builtins.open, (str(self.target), "w")


class _Setter:
    """Unpickling calls ``Path.touch`` through a method reference if executed."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return Path.touch, (self.target,)


@pytest.mark.parametrize("zip_format", [True, False])
def test_crafted_pickle_does_not_run(tmp_path: Path, zip_format: bool) -> None:
    target = tmp_path / "pwned"
    checkpoint = {
        "cfg": _Exploit(target),
        "task_state": [_Setter(target)],
        "model": {"w": torch.arange(6, dtype=torch.float16).reshape(2, 3)},
    }
    path = tmp_path / "evil.pt"
    torch.save(checkpoint, path, _use_new_zipfile_serialization=zip_format)
    loaded = load_restricted(path)
    assert not target.exists()
    assert isinstance(loaded["cfg"], Placeholder)
    assert loaded["cfg"].qualified_name in {"builtins.open", "io.open"}
    assert isinstance(loaded["task_state"][0], Placeholder)
    state = fairseq_model_state(path)
    assert state["w"].dtype == torch.float16 and state["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert not target.exists()


class _Config(dict):  # stands in for omegaconf/fairseq dict-like configs
    pass


class _Symbols(list):
    pass


def test_foreign_containers_become_inert_placeholders(tmp_path: Path) -> None:
    import collections
    import enum

    class _Mode(enum.Enum):
        A = "a"

    checkpoint = {
        "cfg": _Config(model={"_name": "hubert"}, mode=_Mode.A.value),
        "defaults": collections.defaultdict(list, {"x": [1]}),
        "symbols": _Symbols(["<s>", "<pad>"]),
        "model": {"w": torch.ones(2)},
    }
    torch.save(checkpoint, tmp_path / "ckpt.pt")
    loaded = load_restricted(tmp_path / "ckpt.pt")
    assert isinstance(loaded["cfg"], Placeholder) and isinstance(loaded["symbols"], Placeholder)
    assert loaded["symbols"].__dict__["_list"] == ["<s>", "<pad>"]
    assert torch.equal(fairseq_model_state(tmp_path / "ckpt.pt")["w"], torch.ones(2))


def test_garbage_and_non_checkpoints_are_refused(tmp_path: Path) -> None:
    (tmp_path / "junk.pt").write_bytes(b"not a pickle at all")
    with pytest.raises(RocktopError):
        load_restricted(tmp_path / "junk.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(RocktopError, match="no 'model'"):
        fairseq_model_state(tmp_path / "list.pt")
    torch.save({"model": {"a": _Exploit(tmp_path / "x")}}, tmp_path / "obj.pt")
    with pytest.raises(RocktopError, match="not a tensor"):
        fairseq_model_state(tmp_path / "obj.pt")
    assert not (tmp_path / "x").exists()
