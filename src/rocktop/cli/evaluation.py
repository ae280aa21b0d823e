"""``rocktop eval``: score converted audio, evaluate a model on a dataset split, compare models."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from rocktop.cli._console import err_console, print_json, progress_bar
from rocktop.common.errors import RocktopError

if TYPE_CHECKING:
    from rocktop.evaluation.dataset import EvalClip
    from rocktop.evaluation.result import EvalResult
    from rocktop.evaluation.runner import ClipPair, MetricSet

app = typer.Typer(
    help="Objective voice metrics, HTML/JSON reports and checkpoint comparison.",
    no_args_is_help=True,
)

METRICS_HELP = "Comma-separated metric groups: speaker,asr,f0,pesq,stoi,mcd,loudness,rtf."
AUDIO_METRICS = "speaker,asr,f0,pesq,stoi,mcd,loudness"
RUN_METRICS = "speaker,asr,f0,mcd,loudness,rtf"
OUT_HELP = "Output folder (eval.json, report.html)."
EVAL_F0_HELP = "Pitch extractor measuring F0 (pm: fast; harvest: ~40x slower; rmvpe: weights)."
WEIGHTS_HELP = "Assets folder (content encoder, rmvpe); default: the assets dir."


def _groups(metrics: str, has_text: bool) -> list[str]:
    groups = [name.strip() for name in metrics.split(",") if name.strip()]
    return [g for g in groups if g != "asr" or has_text]


def _metric_set(
    groups: list[str],
    target: Path | None,
    f0_method: str,
    shift: float,
    whisper_dir: Path | None,
    device: str,
    weights_dir: Path | None = None,
) -> MetricSet:
    from rocktop.audio import io
    from rocktop.common.files import find_audio
    from rocktop.evaluation.runner import MetricSet

    targets = [io.load(path) for path in find_audio(target)] if target else []
    extractor = None
    if "f0" in groups:
        from rocktop.features.pitch.registry import get_pitch_extractor

        extractor = get_pitch_extractor(f0_method, device=device, weights_dir=weights_dir)
    whisper = str(whisper_dir) if whisper_dir else None
    return MetricSet.build(
        groups,
        target_clips=targets,
        whisper_dir=whisper,
        pitch_extractor=extractor,
        pitch_shift=shift,
        device=device,
    )


def _score(
    pairs: list[ClipPair], metrics: MetricSet, out: Path, title: str, worst: int
) -> EvalResult:
    from rocktop.evaluation.report import write_report
    from rocktop.evaluation.runner import evaluate_pairs
    from rocktop.evaluation.tracking import log_to_mlflow

    with progress_bar(len(pairs), "eval") as advance:
        result = evaluate_pairs(pairs, metrics, on_done=advance)
    paths = write_report(result, out, title, {p.clip_id: p for p in pairs}, worst)
    log_to_mlflow(result, artifacts=paths)
    return result


def _print(result: EvalResult, out: Path, as_json: bool) -> None:
    from rocktop.evaluation.report import as_jsonable
    from rocktop.evaluation.targets import check_targets

    checks = check_targets(result.summary())
    if as_json:
        summary = {"summary": result.summary(), "targets": [c.as_dict() for c in checks]}
        print_json(as_jsonable(summary))
    console = err_console()
    for check in checks:
        console.print(check.line, markup=False, highlight=False)
    console.print(f"report: {out / 'report.html'}", markup=False, highlight=False)


def _convert_fn(
    model: Path,
    index: Path | None,
    weights_dir: Path | None,
    pitch_shift: float,
    f0_method: str,
    device: str,
) -> Any:
    """``audio -> converted audio`` with the offline pipeline (``rocktop.inference``)."""
    from rocktop.inference import ConversionParams, load_converter

    converter = load_converter(model, index, device=device, weights_dir=weights_dir)
    params = ConversionParams(pitch_shift=pitch_shift, f0_method=f0_method)
    return lambda audio: converter.convert(audio, params)


@app.command()
def audio(
    converted: list[Path] = typer.Argument(..., help="Converted audio files or folders."),
    reference: Path | None = typer.Option(None, "--reference", help="Reference file or folder."),
    text: str | None = typer.Option(None, "--text", help="Transcript of the reference."),
    target: Path | None = typer.Option(None, "--target-speaker", help="Target voice clip(s)."),
    metrics: str = typer.Option(AUDIO_METRICS, "--metrics", help=METRICS_HELP),
    f0_method: str = typer.Option("pm", "--f0-method", help=EVAL_F0_HELP),
    pitch_shift: float = typer.Option(0.0, "--pitch-shift", help="Applied shift, semitones."),
    whisper_dir: Path | None = typer.Option(None, "--whisper-dir", help="CTranslate2 Whisper."),
    weights_dir: Path | None = typer.Option(None, "--weights-dir", help=WEIGHTS_HELP),
    worst: int = typer.Option(5, "--worst", min=0, help="Worst clips shown with players."),
    device: str = typer.Option("cpu", "--device", help="Torch device (cpu, cuda)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Score converted files directly (against --reference, --text, --target-speaker)."""
    from rocktop.evaluation.files import pairs_from_files

    pairs = pairs_from_files(converted, reference, text)
    groups = _groups(metrics, has_text=bool(text))
    metric_set = _metric_set(
        groups, target, f0_method, pitch_shift, whisper_dir, device, weights_dir
    )
    result = _score(pairs, metric_set, out, "rocktop eval audio", worst)
    _print(result, out, as_json)


def _evaluate_model(
    model: Path,
    clips: list[EvalClip],
    metric_set: MetricSet,
    out: Path,
    convert: Any,
    worst: int,
    split: str,
) -> EvalResult:
    """Convert ``clips`` with ``convert`` into ``out/audio`` (progress bar), then score them."""
    from rocktop.evaluation.files import converted_pairs

    pairs = []
    with progress_bar(len(clips), f"convert {model.name}") as advance:
        for pair in converted_pairs(clips, convert, out / "audio"):
            pairs.append(pair)
            advance()
    return _score(pairs, metric_set, out, f"rocktop eval: {model.name} on {split}", worst)


@app.command()
def run(
    model: Path = typer.Option(..., "--model", help="Voice model (.safetensors or RVC .pth)."),
    index: Path | None = typer.Option(None, "--index", help="Retrieval index (.index)."),
    weights_dir: Path | None = typer.Option(None, "--weights-dir", help=WEIGHTS_HELP),
    data: Path = typer.Option(..., "--data", help="Dataset folder with metadata.jsonl."),
    split: str = typer.Option("test", "--split", help="Split to convert and score."),
    target: Path | None = typer.Option(None, "--target-speaker", help="Target voice clip(s)."),
    metrics: str = typer.Option(RUN_METRICS, "--metrics", help=METRICS_HELP),
    f0_method: str = typer.Option("rmvpe", "--f0-method", help="Conversion pitch extractor."),
    eval_f0: str = typer.Option("pm", "--eval-f0-method", help=EVAL_F0_HELP),
    pitch_shift: float = typer.Option(0.0, "--pitch-shift", help="Shift, semitones."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many clips."),
    whisper_dir: Path | None = typer.Option(None, "--whisper-dir", help="CTranslate2 Whisper."),
    worst: int = typer.Option(5, "--worst", min=0, help="Worst clips shown with players."),
    device: str = typer.Option("cpu", "--device", help="Torch device (cpu, cuda)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP + " Converted audio in audio/."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Convert a dataset split with a model and score it (speaker, WER/CER, F0, MCD, RTF)."""
    from rocktop.evaluation.dataset import read_split

    clips = read_split(data, split, limit)
    convert = _convert_fn(model, index, weights_dir, pitch_shift, f0_method, device)
    groups = _groups(metrics, has_text=True)
    metric_set = _metric_set(groups, target, eval_f0, pitch_shift, whisper_dir, device, weights_dir)
    result = _evaluate_model(model, clips, metric_set, out, convert, worst, split)
    _print(result, out, as_json)


def _unique_names(items: list[Path]) -> list[str]:
    names = [p.parent.name if p.name == "eval.json" else p.stem for p in items]
    if len(set(names)) != len(names):
        names = [f"{i + 1}-{name}" for i, name in enumerate(names)]
    return names


@app.command()
def compare(
    models: list[Path] = typer.Argument(..., help="Models/checkpoints, or eval.json results."),
    data: Path | None = typer.Option(None, "--data", help="Dataset (needed for models)."),
    weights_dir: Path | None = typer.Option(None, "--weights-dir", help=WEIGHTS_HELP),
    split: str = typer.Option("test", "--split", help="Split to convert and score."),
    target: Path | None = typer.Option(None, "--target-speaker", help="Target voice clip(s)."),
    metrics: str = typer.Option(RUN_METRICS, "--metrics", help=METRICS_HELP),
    f0_method: str = typer.Option("rmvpe", "--f0-method", help="Conversion pitch extractor."),
    eval_f0: str = typer.Option("pm", "--eval-f0-method", help=EVAL_F0_HELP),
    pitch_shift: float = typer.Option(0.0, "--pitch-shift", help="Shift, semitones."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many clips."),
    whisper_dir: Path | None = typer.Option(None, "--whisper-dir", help="CTranslate2 Whisper."),
    device: str = typer.Option("cpu", "--device", help="Torch device (cpu, cuda)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder (compare.json/html)."),
    as_json: bool = typer.Option(False, "--json", help="Print the ranking as JSON."),
) -> None:
    """Score several voices/checkpoints on the same clips and rank them."""
    from rocktop.evaluation.compare import compare as rank
    from rocktop.evaluation.compare_report import write_comparison
    from rocktop.evaluation.dataset import read_split
    from rocktop.evaluation.report import as_jsonable, read_json

    names = _unique_names(models)
    results = {n: read_json(p) for n, p in zip(names, models, strict=True) if p.suffix == ".json"}
    to_score = [(n, p) for n, p in zip(names, models, strict=True) if p.suffix != ".json"]
    if to_score:
        if data is None:
            raise RocktopError(f"{to_score[0][1]}: scoring a model needs --data DATA")
        clips = read_split(data, split, limit)
        groups = _groups(metrics, has_text=True)
        metric_set = _metric_set(
            groups, target, eval_f0, pitch_shift, whisper_dir, device, weights_dir
        )
    for name, item in to_score:
        convert = _convert_fn(item, None, weights_dir, pitch_shift, f0_method, device)
        results[name] = _evaluate_model(item, clips, metric_set, out / name, convert, 3, split)
    ranking = rank(results)
    write_comparison(ranking, results, out)
    if as_json:
        print_json(as_jsonable(ranking.as_dict()))
    err_console().print(f"best: {ranking.best}  (order: {', '.join(ranking.order)})", markup=False)
