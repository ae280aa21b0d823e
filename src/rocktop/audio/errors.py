"""Typed refusals of the audio core. Each message is one line naming the input and the limit."""

from __future__ import annotations

from rocktop.common.errors import RocktopError


class AudioError(RocktopError):
    """Base of every audio refusal (the service maps these to 4xx)."""

    http_status = 422
    code = "bad_audio"


class AudioTooLargeError(AudioError):
    """The encoded input has more bytes than allowed."""

    http_status = 413
    code = "audio_too_large"


class AudioTooLongError(AudioError):
    """The input lasts longer than allowed."""

    http_status = 413
    code = "audio_too_long"


class TooManyChannelsError(AudioError):
    code = "too_many_channels"


class SampleRateError(AudioError):
    code = "bad_sample_rate"


class UnsupportedFormatError(AudioError):
    """Not an audio file, or a format no decoder here reads."""

    http_status = 415
    code = "unsupported_format"


class CorruptAudioError(AudioError):
    """A recognised container that cannot be decoded completely (truncated, damaged)."""

    code = "corrupt_audio"


class NonFiniteAudioError(AudioError):
    code = "non_finite_audio"


class EmptyAudioError(AudioError):
    code = "empty_audio"
