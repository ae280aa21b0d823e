"""A whole debug run: MLflow tracking, per-checkpoint evaluation, resume, export, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rocktop.cli.main import main
from rocktop.models.voice import VoiceModel
from rocktop.testing.training import write_layout, write_manifest
from rocktop.training.builders import compose_config
from rocktop.training.checkpointing import is_loadable
from rocktop.training.run import train


def _overrides(tmp_path: Path, steps: int) -> list[str]:
    return [
        "debug=fast",
        f"data.dir={tmp_path / 'data'}",
        f"paths.run_dir={tmp_path / 'run'}",
        f"paths.cache_dir={tmp_path / 'cache'}",
        f"steps={steps}",
        "save_every_steps=2",
        "name=tiny",
    ]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    names = write_layout(tmp_path / "data" / "rvc", clips=3, sample_rate=48_000, duration_s=0.5)
    write_manifest(tmp_path / "data", {names[0]: "train", names[1]: "train", names[2]: "val"})
    return tmp_path / "data"


@pytest.mark.slow
def test_debug_run_tracks_evaluates_resumes_and_exports(
    tmp_path: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)  # the default store is ./mlruns
    uri = "sqlite:///mlruns/mlflow.db"
    first = train(compose_config([*_overrides(tmp_path, 4), "export.register_model=tiny-voice"]))
    run = tmp_path / "run"
    assert first.steps == 4 and first.resumed_from is None
    assert (run / "config.yaml").is_file()
    ckpts = sorted(p.name for p in (run / "checkpoints").glob("*.ckpt"))
    assert "last.ckpt" in ckpts and "step-00000002.ckpt" in ckpts and "step-00000004.ckpt" in ckpts
    assert first.best_checkpoint is not None and first.best_checkpoint.name.startswith("best-")
    assert all(is_loadable(run / "checkpoints" / n) for n in ckpts)
    assert "val/mel_l1" in first.metrics and "val/mcd_db" in first.metrics
    assert {"safetensors", "pth", "index"} <= set(first.exports)

    client = MlflowClient(uri)
    run_id = (run / "mlflow_run_id").read_text().strip()
    data = client.get_run(run_id).data
    assert data.params["data.hash"] and data.params["rocktop.version"]
    assert data.params["model.version"] == "v2"
    for key in ("train/loss_g", "train/loss_d", "lr", "grad_norm/g", "perf/step_time_s"):
        assert key in data.metrics, key
    artifacts = {a.path for a in client.list_artifacts(run_id, "export")}
    assert "export/tiny.safetensors" in artifacts and "export/tiny.pth" in artifacts
    evals = {a.path for a in client.list_artifacts(run_id, "eval/step-00000002")}
    assert any(p.endswith(".wav") for p in evals) and any(p.endswith(".mel.png") for p in evals)

    versions = client.search_model_versions("name='tiny-voice'")
    assert len(versions) == 1 and versions[0].run_id == run_id

    second = train(compose_config(_overrides(tmp_path, 6)))
    assert second.resumed_from == run / "checkpoints" / "last.ckpt"
    assert second.steps == 6
    assert (run / "mlflow_run_id").read_text().strip() == run_id  # same MLflow run continues
    history = client.get_metric_history(run_id, "train/loss_g")
    assert max(m.step for m in history) >= 5

    voice = VoiceModel.load(first.exports["safetensors"])
    assert voice.sample_rate == 48_000 and voice.version == "v2"
    assert not any("enc_q" in k for k in voice.weights)


@pytest.mark.slow
def test_cli_trains_then_exports_a_run(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["train", *_overrides(tmp_path, 2), "logger=csv", "export.enabled=false"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps"] == 2 and summary["exports"] == {}
    out = tmp_path / "exported"
    main(["train", "export", str(tmp_path / "run"), "--format", "pth", "--out", str(out)])
    paths = json.loads(capsys.readouterr().out)
    pth = Path(paths["pth"])
    ckpt = torch.load(pth, map_location="cpu", weights_only=True)
    assert set(ckpt) >= {"weight", "config", "info", "sr", "f0", "version"}
    assert ckpt["config"][-1] == 48_000 and ckpt["version"] == "v2" and ckpt["f0"] == 1
    assert all(v.dtype == torch.float16 for v in ckpt["weight"].values())


def test_early_stopping_and_checkpoint_policy_come_from_the_config(tmp_path: Path) -> None:
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    from rocktop.training.run import _callbacks

    cfg = compose_config(
        ["data.dir=/x", "callbacks.early_stopping.enabled=true", "callbacks.checkpoint.keep_last=5"]
    )
    callbacks = _callbacks(cfg, tmp_path)
    stop = [c for c in callbacks if isinstance(c, EarlyStopping)]
    assert len(stop) == 1 and stop[0].monitor == "val/mel_l1" and stop[0].patience == 5
    ckpts = [c for c in callbacks if isinstance(c, ModelCheckpoint)]
    assert [c.monitor for c in ckpts] == ["step", "val/mel_l1"] and ckpts[0].save_top_k == 5


def test_mlflow_tracking_uri_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert compose_config(["data.dir=/x"]).logger.tracking_uri == "http://127.0.0.1:5000"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert compose_config(["data.dir=/x"]).logger.tracking_uri == "sqlite:///mlruns/mlflow.db"


def test_export_of_a_missing_run_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", "export", str(tmp_path / "nope")])
    assert exc.value.code == 2
    assert "not a training run" in capsys.readouterr().err
