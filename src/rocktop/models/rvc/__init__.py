"""The RVC synthesizer family (spec §2): text encoder, coupling flow, NSF-HiFiGAN decoder."""

from rocktop.models.rvc.builders import (
    build_from_rvc_config,
    build_synthesizer,
    prepare_for_inference,
)
from rocktop.models.rvc.config import (
    ConfigError,
    SynthesizerConfig,
    from_rvc_config,
    parse_sample_rate,
    preset,
)
from rocktop.models.rvc.layers import fold_weight_norm
from rocktop.models.rvc.state import StateDictError, canonical_state_dict, load_weights
from rocktop.models.rvc.synthesizer import Synthesizer, TrainingOutput

__all__ = [
    "ConfigError",
    "StateDictError",
    "Synthesizer",
    "SynthesizerConfig",
    "TrainingOutput",
    "build_from_rvc_config",
    "build_synthesizer",
    "canonical_state_dict",
    "fold_weight_norm",
    "from_rvc_config",
    "load_weights",
    "parse_sample_rate",
    "prepare_for_inference",
    "preset",
]
