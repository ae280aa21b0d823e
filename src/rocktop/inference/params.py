"""Conversion parameters: one dataclass used by the CLI, the API and streaming alike."""

from __future__ import annotations

from dataclasses import dataclass

from rocktop.common.errors import RocktopError

F0_METHODS = ("rmvpe", "harvest", "dio", "pm", "crepe", "fcpe")


@dataclass(frozen=True)
class ConversionParams:
    """How to convert. Defaults are RVC's (rvc-spec §5).

    Attributes:
        pitch_shift: transposition in semitones (RVC ``f0_up_key``).
        f0_method: pitch extractor name (registry of ``rocktop.features.pitch``).
        index_rate: share of retrieved (index) features, 0..1.
        protect: protection of unvoiced consonants and breaths, 0..0.5 (0.5 disables it).
        rms_mix_rate: 0 = follow the input's loudness envelope, 1 = keep the model's.
        filter_radius: median filter switch for harvest (>2 applies medfilt(3)).
        output_sample_rate: resample the result to this rate, Hz; None keeps the model's rate.
        speaker_id: speaker index for multi-speaker models.
        seed: RNG seed for the stochastic parts; None draws fresh noise.
        noise_scale: scale of the prior noise (RVC 0.66666); 0 gives a noiseless output.
        excitation_noise: scale of the NSF source noise (1 as RVC; 0 disables it).
    """

    pitch_shift: float = 0.0
    f0_method: str = "rmvpe"
    index_rate: float = 0.75
    protect: float = 0.33
    rms_mix_rate: float = 0.25
    filter_radius: int = 3
    output_sample_rate: int | None = None
    speaker_id: int = 0
    seed: int | None = 0
    noise_scale: float = 0.66666
    excitation_noise: float = 1.0

    def __post_init__(self) -> None:
        checks = (
            (-48.0 <= self.pitch_shift <= 48.0, "pitch_shift must be within +/-48 semitones"),
            (self.f0_method in F0_METHODS, f"f0_method must be one of {', '.join(F0_METHODS)}"),
            (0.0 <= self.index_rate <= 1.0, "index_rate must be within 0..1"),
            (0.0 <= self.protect <= 0.5, "protect must be within 0..0.5"),
            (0.0 <= self.rms_mix_rate <= 1.0, "rms_mix_rate must be within 0..1"),
            (0 <= self.filter_radius <= 7, "filter_radius must be within 0..7"),
            (self.speaker_id >= 0, "speaker_id must be >= 0"),
            (self.noise_scale >= 0.0, "noise_scale must be >= 0"),
            (self.excitation_noise >= 0.0, "excitation_noise must be >= 0"),
        )
        for ok, message in checks:
            if not ok:
                raise RocktopError(message)
        rate = self.output_sample_rate
        if rate is not None and not 16_000 <= rate <= 192_000:
            raise RocktopError("output_sample_rate must be within 16000..192000 Hz")
