"""VoiceModel files: RVC .pth exactly as spec §1, native safetensors, and hostile inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from rocktop.models.rvc import build_from_rvc_config
from rocktop.models.voice import VoiceFileError, VoiceModel, default_metadata, merge_voices
from rocktop.models.voice_files import load_voice, to_rvc_checkpoint
from rocktop.testing.models import tiny_synthesizer


def _voice(version: str = "v2", sr: int = 48_000, f0: bool = True, seed: int = 0) -> VoiceModel:
    model = tiny_synthesizer(version, sr, f0, seed=seed)
    return VoiceModel.from_synthesizer(model, default_metadata(model.config, name="tiny"))


def _audio(voice: VoiceModel, frames: int = 30) -> torch.Tensor:
    model = voice.build()
    gen = torch.Generator().manual_seed(0)
    phone = torch.randn(1, frames, voice.config.content_dim, generator=gen)
    pitch = torch.randint(1, 256, (1, frames), generator=gen) if voice.f0 else None
    f0 = torch.full((1, frames), 180.0) if voice.f0 else None
    lengths, sid = torch.tensor([frames]), torch.tensor([0])
    return model.infer(phone, lengths, pitch, f0, sid, noise_scale=0.0, excitation_noise=0.0)


def test_pth_has_rvc_layout(tmp_path: Path) -> None:
    voice = _voice()
    path = voice.save(tmp_path / "v.pth")
    ckpt = torch.load(path, weights_only=True)
    assert list(ckpt)[:6] == ["weight", "config", "info", "sr", "f0", "version"]
    assert ckpt["sr"] == "48k" and ckpt["f0"] == 1 and ckpt["version"] == "v2"
    assert len(ckpt["config"]) == 18 and ckpt["config"][-1] == 48_000
    assert all(t.dtype == torch.float16 for t in ckpt["weight"].values())
    assert not any("enc_q" in k for k in ckpt["weight"])


ALL_VARIANTS = [
    (version, sr, f0)
    for version in ("v1", "v2")
    for sr in (32_000, 40_000, 48_000)
    for f0 in (1, 0)
]


@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_exported_pth_loads_under_rvc_loader_rules(
    tmp_path: Path, variant: tuple[str, int, bool]
) -> None:
    """Emulate RVC's VC.get_vc: config[-3] from emb_g, cls(*config), del enc_q, strict load."""
    path = _voice(*variant).save(tmp_path / "v.pth")
    cpt = torch.load(path, map_location="cpu", weights_only=True)
    cpt["config"][-3] = cpt["weight"]["emb_g.weight"].shape[0]
    version, f0 = cpt.get("version", "v1"), cpt.get("f0", 1)
    net_g = build_from_rvc_config(cpt["config"], version, bool(f0), with_posterior=True)
    del net_g.enc_q
    net_g.load_state_dict(cpt["weight"], strict=True)
    again = load_voice(path)  # and round-trips through our own loader
    assert (again.version, again.sample_rate, again.f0) == (
        variant[0],
        variant[1],
        bool(variant[2]),
    )


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_round_trip_gives_identical_audio(tmp_path: Path, suffix: str) -> None:
    voice = _voice()
    reference = VoiceModel(
        voice.config, {k: v.half().float() for k, v in voice.weights.items()}, voice.metadata
    )
    loaded = load_voice(voice.save(tmp_path / f"v{suffix}"))
    assert loaded.config == voice.config
    assert loaded.metadata.name == "tiny"
    expected = _audio(reference if suffix == ".pth" else voice)
    assert torch.equal(_audio(loaded), expected)


def test_sr_string_or_int_and_applio_extras_are_kept(tmp_path: Path) -> None:
    ckpt = to_rvc_checkpoint(_voice())
    ckpt["sr"], ckpt["f0"] = 48_000, True  # Applio writes an int and a bool
    ckpt.update(epoch=120, author="someone", embedder_model="contentvec", vocoder="HiFi-GAN")
    torch.save(ckpt, tmp_path / "applio.pth")
    voice = load_voice(tmp_path / "applio.pth")
    assert voice.sample_rate == 48_000 and voice.f0
    assert voice.metadata.provenance["epoch"] == 120
    assert voice.metadata.provenance["author"] == "someone"
    again = torch.load(voice.save(tmp_path / "again.pth"), weights_only=True)
    assert again["author"] == "someone" and again["sr"] == "48k"


def test_missing_version_and_f0_default_to_v1_f0(tmp_path: Path) -> None:
    ckpt = to_rvc_checkpoint(_voice("v1", 40_000))
    del ckpt["version"], ckpt["f0"]
    torch.save(ckpt, tmp_path / "old.pth")
    voice = load_voice(tmp_path / "old.pth")
    assert voice.version == "v1" and voice.f0 and voice.metadata.content_layer == 9


def test_speaker_count_comes_from_emb_g(tmp_path: Path) -> None:
    ckpt = to_rvc_checkpoint(_voice())
    ckpt["config"][-3] = 109  # stored spk_embed_dim disagrees with the 4-row emb_g
    torch.save(ckpt, tmp_path / "spk.pth")
    assert load_voice(tmp_path / "spk.pth").speakers == 4


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("vocoder", "RefineGAN", "vocoder 'RefineGAN'"), ("embedder_model", "spin", "'spin'")],
)
def test_incompatible_applio_voices_are_refused(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    ckpt = to_rvc_checkpoint(_voice())
    ckpt[key] = value
    torch.save(ckpt, tmp_path / "applio.pth")
    with pytest.raises(VoiceFileError, match=message):
        load_voice(tmp_path / "applio.pth")


def test_training_checkpoint_gets_a_one_line_explanation(tmp_path: Path) -> None:
    model = tiny_synthesizer(with_posterior=True)
    torch.save({"model": model.state_dict(), "iteration": 3}, tmp_path / "G_2333333.pth")
    with pytest.raises(VoiceFileError, match="training checkpoint") as info:
        load_voice(tmp_path / "G_2333333.pth")
    assert "\n" not in str(info.value)


class _CreatesFile:
    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.target, "w"))


def test_crafted_pickle_is_refused_and_never_runs(tmp_path: Path) -> None:
    target = tmp_path / "pwned.txt"
    ckpt = to_rvc_checkpoint(_voice())
    ckpt["info"] = _CreatesFile(str(target))  # type: ignore[assignment]
    torch.save(ckpt, tmp_path / "evil.pth")
    assert not target.exists()
    with pytest.raises(VoiceFileError, match="refused") as info:
        load_voice(tmp_path / "evil.pth")
    assert "\n" not in str(info.value)
    assert not target.exists()


def test_wrong_shapes_name_the_first_mismatching_key(tmp_path: Path) -> None:
    ckpt = to_rvc_checkpoint(_voice("v2", 40_000))
    ckpt["config"] = to_rvc_checkpoint(_voice("v2", 48_000))["config"]  # RVC #967
    torch.save(ckpt, tmp_path / "mixed.pth")
    with pytest.raises(VoiceFileError, match=r"'dec\.ups\.0\.weight_v' has shape") as info:
        load_voice(tmp_path / "mixed.pth")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "PyTorch file"), (b"garbage" * 100, "PyTorch file"), (None, "PyTorch file")],
)
def test_corrupt_files_are_refused(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "bad.pth"
    if content is None:  # a truncated genuine file
        good = _voice().save(tmp_path / "good.pth").read_bytes()
        content = good[: len(good) // 2]
    path.write_bytes(content)
    with pytest.raises(VoiceFileError, match=message):
        load_voice(path)


def test_truncated_safetensors_and_foreign_safetensors(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    good = _voice().save(tmp_path / "good.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(good[: len(good) // 2])
    with pytest.raises(VoiceFileError, match="safetensors"):
        load_voice(tmp_path / "cut.safetensors")
    save_file({"x": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(VoiceFileError, match="not a rocktop voice"):
        load_voice(tmp_path / "other.safetensors")


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    _voice().save(tmp_path / "v.safetensors")
    assert os.listdir(tmp_path) == ["v.safetensors"]


def test_merge_is_a_weighted_average_with_truncated_emb_g() -> None:
    a, b = _voice(seed=1), _voice(seed=2)
    merged = merge_voices(a, b, 0.25)
    key = "dec.conv_pre.weight"
    torch.testing.assert_close(merged.weights[key], 0.25 * a.weights[key] + 0.75 * b.weights[key])
    merged.validate()
    with pytest.raises(VoiceFileError, match="architectures differ"):
        merge_voices(a, _voice("v1", 48_000), 0.5)


def test_pretrained_generator_loads_with_enc_q(tmp_path: Path) -> None:
    from rocktop.models.pretrained import load_pretrained_generator
    from rocktop.testing.models import tiny_synthesizer_config

    source = tiny_synthesizer(with_posterior=True, seed=3)
    state = {k: v.half() for k, v in source.state_dict().items()}
    torch.save({"model": state, "iteration": 1}, tmp_path / "f0G48k.pth")
    model = load_pretrained_generator(tmp_path / "f0G48k.pth", tiny_synthesizer_config())
    assert model.enc_q is not None
    key = "enc_q.pre.weight"
    assert torch.equal(model.state_dict()[key], state[key].float())
    with pytest.raises(VoiceFileError, match="not a pretrained generator"):
        load_pretrained_generator(_voice().save(tmp_path / "v.pth"), tiny_synthesizer_config())
    with pytest.raises(VoiceFileError, match="has shape"):
        load_pretrained_generator(tmp_path / "f0G48k.pth", tiny_synthesizer_config("v1", 40_000))
