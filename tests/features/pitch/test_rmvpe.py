"""RMVPE: RVC's state-dict layout, strict loading, shapes, mel front end, and the decoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rocktop.common.errors import RocktopError
from rocktop.features.pitch import get_pitch_extractor
from rocktop.features.pitch.rmvpe.decode import cents_mapping, local_average_cents, salience_to_f0
from rocktop.features.pitch.rmvpe.extractor import RmvpeExtractor
from rocktop.features.pitch.rmvpe.mel import MelFrontEnd
from rocktop.features.pitch.rmvpe.model import E2E
from rocktop.testing import synth
from rocktop.testing.rmvpe import tiny_e2e, tiny_rmvpe

# (key, shape) pairs of RVC's rmvpe.pt that pin the architecture down
GOLDEN_SHAPES = {
    "unet.encoder.bn.running_var": (1,),
    "unet.encoder.layers.0.conv.0.conv.0.weight": (16, 1, 3, 3),
    "unet.encoder.layers.0.conv.0.shortcut.weight": (16, 1, 1, 1),
    "unet.encoder.layers.4.conv.3.conv.3.weight": (256, 256, 3, 3),
    "unet.intermediate.layers.0.conv.0.shortcut.weight": (512, 256, 1, 1),
    "unet.intermediate.layers.3.conv.3.conv.4.num_batches_tracked": (),
    "unet.decoder.layers.0.conv1.0.weight": (512, 256, 3, 3),
    "unet.decoder.layers.0.conv2.0.shortcut.weight": (256, 512, 1, 1),
    "unet.decoder.layers.4.conv2.3.conv.4.bias": (16,),
    "cnn.weight": (3, 16, 3, 3),
    "fc.0.gru.weight_ih_l0": (768, 384),
    "fc.0.gru.weight_hh_l0_reverse": (768, 256),
    "fc.1.weight": (360, 512),
}


@pytest.fixture(scope="module")
def full_model() -> E2E:
    torch.manual_seed(0)
    return E2E().eval()


def test_state_dict_matches_rvc(full_model: E2E) -> None:
    state = full_model.state_dict()
    assert len(state) == 741
    assert sum(v.numel() for v in state.values()) == 90_472_917  # spec: ~90.47 M entries
    for key, shape in GOLDEN_SHAPES.items():
        assert tuple(state[key].shape) == shape, key


@pytest.mark.slow
def test_full_model_output_shape(full_model: E2E) -> None:
    extractor = RmvpeExtractor(full_model)
    wav = synth.sine(220.0, 0.3, 16_000)
    salience = extractor.salience(wav)
    assert salience.shape == (len(wav) // 160 + 1, 360)
    assert np.all((salience >= 0) & (salience <= 1))
    assert extractor.extract(wav, 16_000).shape == (len(wav) // 160 + 1,)


@pytest.mark.slow
def test_rmvpe_pt_loads_strictly_through_registry(tmp_path: Path, full_model: E2E) -> None:
    state = {
        k: v.half() if v.is_floating_point() else v for k, v in full_model.state_dict().items()
    }
    torch.save(state, tmp_path / "rmvpe.pt")
    extractor = get_pitch_extractor("rmvpe", weights_dir=tmp_path)
    assert isinstance(extractor, RmvpeExtractor) and extractor.weights_sha256
    loaded = extractor.model.state_dict()
    key = "unet.decoder.layers.4.conv2.3.conv.3.weight"
    torch.testing.assert_close(loaded[key], state[key].float())
    del state["cnn.bias"]
    torch.save(state, tmp_path / "rmvpe.pt")
    with pytest.raises(RocktopError, match="cnn.bias"):
        get_pitch_extractor("rmvpe", weights_dir=tmp_path)


def test_garbage_weights_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rmvpe.pt").write_bytes(b"\x80\x04junk")
    with pytest.raises(RocktopError, match="rmvpe.pt"):
        get_pitch_extractor("rmvpe", weights_dir=tmp_path)


@pytest.mark.parametrize("seconds", [0.01, 0.31, 1.0])
def test_tiny_model_any_length(seconds: float) -> None:
    wav = synth.sine(300.0, seconds, 16_000)
    f0 = tiny_rmvpe().extract(wav, 16_000)
    assert f0.shape == (len(wav) // 160 + 1,) and f0.dtype == np.float32
    if seconds < 0.05:  # shorter than half the 1024-sample STFT window: no pitch
        assert np.all(f0 == 0)


def test_tiny_model_resamples_other_rates() -> None:
    wav = synth.sine(300.0, 0.5, 44_100)
    assert tiny_rmvpe().extract(wav, 44_100).shape == (8000 // 160 + 1,)


def test_mel_front_end_frames_and_peak() -> None:
    mel = MelFrontEnd()(torch.from_numpy(synth.sine(1000.0, 0.5, 16_000))[None])
    assert mel.shape == (1, 128, 8000 // 160 + 1)
    assert float(mel.min()) >= np.log(1e-5) - 1e-6
    centre_freqs = _htk_mel_centres()
    peak_bin = int(mel[0, :, 25].argmax())
    assert abs(centre_freqs[peak_bin] - 1000.0) < 60.0


def _htk_mel_centres() -> np.ndarray:
    import librosa

    return librosa.mel_frequencies(n_mels=130, fmin=30.0, fmax=8000.0, htk=True)[1:-1]


def _salience_for(f0_hz: np.ndarray, peak: float = 0.9, width_bins: float = 1.5) -> np.ndarray:
    bins = np.arange(360)[None, :]
    cents = 1200 * np.log2(np.maximum(f0_hz, 1e-9) / 10.0)
    position = (cents[:, None] - 1997.3794084376191) / 20.0
    salience = peak * np.exp(-0.5 * ((bins - position) / width_bins) ** 2)
    salience[f0_hz <= 0] = 0.01
    return salience


def test_decoder_recovers_f0_from_synthetic_salience() -> None:
    f0 = np.array([0.0, 55.0, 110.0, 220.5, 440.0, 987.7, 1500.0, 0.0])
    decoded = salience_to_f0(_salience_for(f0))
    voiced = f0 > 0
    assert np.all(decoded[~voiced] == 0)
    cents_error = np.abs(1200 * np.log2(decoded[voiced] / f0[voiced]))
    assert cents_error.max() < 1.0


def test_decoder_threshold_and_edges() -> None:
    salience = np.zeros((3, 360))
    salience[0, 100] = 0.03  # exactly at the threshold: unvoiced (<=)
    salience[1, 100] = 0.031
    salience[2, 0] = 0.5  # lowest bin: window reaches into the zero padding
    cents = local_average_cents(salience)
    assert cents[0] == 0
    assert cents[1] == pytest.approx(20 * 100 + 1997.3794084376191)
    assert cents[2] == pytest.approx(1997.3794084376191)
    f0 = salience_to_f0(salience)
    assert f0[2] == pytest.approx(10 * 2 ** (1997.3794084376191 / 1200), rel=1e-6)  # 31.7 Hz
    assert cents_mapping().shape == (368,)


def test_tiny_builder_is_small() -> None:
    assert sum(p.numel() for p in tiny_e2e().parameters()) < 200_000


def test_mel_front_end_matches_librosa_stft() -> None:
    import librosa

    wav = synth.tone_from_contour(synth.glide_contour(100.0, 800.0, 0.5), 16_000)
    ours = MelFrontEnd()(torch.from_numpy(wav)[None])[0].numpy()
    spectrum = np.abs(
        librosa.stft(
            wav, n_fft=1024, hop_length=160, window="hann", center=True, pad_mode="reflect"
        )
    )
    basis = librosa.filters.mel(sr=16_000, n_fft=1024, n_mels=128, fmin=30, fmax=8000, htk=True)
    reference = np.log(np.maximum(basis @ spectrum, 1e-5))
    np.testing.assert_allclose(ours, reference, atol=1e-2)  # float32 error in ~1e-5 bins


@pytest.mark.parametrize(("dtype", "tolerance"), [("float16", 0.01), ("bfloat16", 0.05)])
def test_reduced_precision_salience(dtype: str, tolerance: float) -> None:
    wav = synth.sine(200.0, 0.5, 16_000)
    reference = tiny_rmvpe().salience(wav)
    assert np.abs(tiny_rmvpe(dtype=dtype).salience(wav) - reference).max() < tolerance
