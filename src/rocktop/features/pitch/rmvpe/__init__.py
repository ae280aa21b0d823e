"""RMVPE (spec §4.2): our own E2E network, loading RVC's ``rmvpe.pt`` strictly."""

from rocktop.features.pitch.rmvpe.extractor import RmvpeExtractor

__all__ = ["RmvpeExtractor"]
