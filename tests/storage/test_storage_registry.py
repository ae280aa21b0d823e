"""Model registry: voices from a local directory and from an S3 prefix (moto on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocktop.storage import uri as storage
from rocktop.storage.errors import IntegrityError, StorageNotFoundError
from rocktop.storage.layout import (
    AmbiguousVoiceError,
    VoiceEntry,
    VoiceNotFoundError,
    check_voice_name,
    voices_in_tree,
)
from rocktop.storage.registry import ModelRegistry


def _make_models_dir(root: Path) -> Path:
    """alice: flat safetensors + index; bob: flat .pth only; carol: folder (community style)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "alice.safetensors").write_bytes(b"A" * 300)
    (root / "alice.pth").write_bytes(b"a" * 10)
    (root / "alice.index").write_bytes(b"I" * 40)
    (root / "bob.pth").write_bytes(b"B" * 200)
    (root / "carol").mkdir()
    (root / "carol" / "carol_e200.pth").write_bytes(b"C" * 100)
    (root / "carol" / "added_IVF256_Flat_nprobe_1_carol_v2.index").write_bytes(b"J" * 50)
    (root / "notes.txt").write_text("not a voice")
    return root


def test_layout_rules() -> None:
    files = ["a.safetensors", "a.pth", "a.index", "b.pth", "c/x.pth", "c/y.index", "d/readme"]
    voices = voices_in_tree(files)
    assert voices == {
        "a": VoiceEntry("a", "a.safetensors", "a.index"),
        "b": VoiceEntry("b", "b.pth", None),
        "c": VoiceEntry("c", "c/x.pth", "c/y.index"),
    }
    with pytest.raises(AmbiguousVoiceError, match="2 model"):
        voices_in_tree(["e/one.pth", "e/two.pth"])


_PART = st.sampled_from(["a", "b", "voice", "x_1"])
_FILE = st.builds(
    lambda stem, suffix: stem + suffix,
    _PART,
    st.sampled_from([".pth", ".safetensors", ".index", ".txt", ".json"]),
)
_PATHS = st.lists(
    st.one_of(_FILE, st.builds(lambda d, f: f"{d}/{f}", _PART, _FILE)), max_size=12, unique=True
)


@given(files=_PATHS)
def test_layout_only_points_at_listed_files(files: list[str]) -> None:
    try:
        voices = voices_in_tree(files)
    except AmbiguousVoiceError:
        return
    for name, entry in voices.items():
        assert entry.name == name and check_voice_name(name) == name
        assert entry.model in files and entry.model.endswith((".pth", ".safetensors"))
        assert entry.index is None or (entry.index in files and entry.index.endswith(".index"))


def test_unreadable_cache_sidecar_means_download_again(tmp_path: Path) -> None:
    from rocktop.storage.registry import _cache_hit

    local = tmp_path / "v.pth"
    local.write_bytes(b"x" * 4)
    sidecar = tmp_path / "v.pth.meta.json"
    info = storage.ObjectInfo(uri="s3://b/v.pth", size=4, etag="e")
    for text in ("{not json", '{"etag": "e", "size": 5}', '{"etag": "other", "size": 4}'):
        sidecar.write_text(text)
        assert not _cache_hit(local, sidecar, info)
    sidecar.write_text('{"etag": "e", "size": 4}')
    assert _cache_hit(local, sidecar, info)


@pytest.mark.parametrize("bad", ["", "..", "../etc", "a/b", ".hidden", "x" * 200, "a b"])
def test_voice_names_that_could_escape_are_refused(bad: str) -> None:
    with pytest.raises(VoiceNotFoundError, match="not valid"):
        check_voice_name(bad)


def test_local_directory_registry(tmp_path: Path) -> None:
    root = _make_models_dir(tmp_path / "models")
    registry = ModelRegistry(str(root), tmp_path / "cache")
    assert registry.list() == ["alice", "bob", "carol"]
    alice = registry.fetch("alice")
    assert (alice.model, alice.index) == (root / "alice.safetensors", root / "alice.index")
    assert registry.fetch("bob").index is None
    carol = registry.fetch("carol")
    assert carol.model.name == "carol_e200.pth" and carol.index is not None
    assert not (tmp_path / "cache").exists()  # local voices are used in place
    with pytest.raises(VoiceNotFoundError, match="'dave' not found"):
        registry.fetch("dave")
    with pytest.raises(StorageNotFoundError):
        ModelRegistry(str(tmp_path / "nowhere"), tmp_path / "cache").list()


@pytest.mark.integration
def test_s3_registry_downloads_verifies_and_caches(
    s3_server: Any, bucket: str, tmp_path: Path
) -> None:
    s3 = s3_server.settings()
    local = _make_models_dir(tmp_path / "models")
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        storage.put_file(path, f"{bucket}/voices/{path.relative_to(local).as_posix()}", s3)
    registry = ModelRegistry(f"{bucket}/voices", tmp_path / "cache", s3=s3)

    assert registry.list() == ["alice", "bob", "carol"]
    alice = registry.fetch("alice")
    assert alice.model.read_bytes() == b"A" * 300 and alice.index is not None
    assert alice.model.is_relative_to(tmp_path / "cache")
    first_inode = alice.model.stat().st_ino
    assert registry.fetch("alice").model.stat().st_ino == first_inode  # cache hit

    storage.write_bytes(f"{bucket}/voices/alice.safetensors", b"N" * 301, s3)  # new version
    assert registry.fetch("alice").model.read_bytes() == b"N" * 301
    carol = registry.fetch("carol")
    assert carol.model.name == "carol_e200.pth" and carol.model.read_bytes() == b"C" * 100


@pytest.mark.integration
def test_s3_registry_refuses_a_corrupt_download(
    s3_server: Any, bucket: str, tmp_path: Path
) -> None:
    s3 = s3_server.settings()
    fs, path = storage.filesystem(f"{bucket}/voices/eve.safetensors", s3)
    fs.pipe_file(path, b"E" * 64, Metadata={storage.SHA256_METADATA_KEY: "0" * 64})
    registry = ModelRegistry(f"{bucket}/voices", tmp_path / "cache", s3=s3)
    with pytest.raises(IntegrityError, match="eve.safetensors is corrupt: sha256"):
        registry.fetch("eve")
    cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert cached == []


@pytest.mark.integration
def test_s3_registry_serves_verified_cache_while_the_store_is_down(
    s3_server: Any, bucket: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from rocktop.storage.errors import StorageError

    s3 = s3_server.settings()
    storage.write_bytes(f"{bucket}/voices/zoe.safetensors", b"Z" * 50, s3)
    storage.write_bytes(f"{bucket}/voices/zoe.index", b"i" * 8, s3)
    storage.write_bytes(f"{bucket}/voices/yan.pth", b"Y" * 50, s3)
    registry = ModelRegistry(f"{bucket}/voices", tmp_path / "cache", s3=s3)
    cached = registry.fetch("zoe")
    s3_server.stop()
    try:
        offline = registry.fetch("zoe")
        with pytest.raises(StorageError) as caught:
            registry.fetch("yan")  # never downloaded: nothing to fall back on
    finally:
        s3_server.start()
    assert offline == cached and offline.model.read_bytes() == b"Z" * 50
    assert "using the cached copy of voice 'zoe'" in caplog.text
    assert "\n" not in str(caught.value) and f"{bucket}/voices" in str(caught.value)
    assert registry.fetch("yan").model.read_bytes() == b"Y" * 50
