"""Header sniffing done before any decoder touches the bytes."""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Magic numbers of the containers libsndfile reads.
_SOUNDFILE_MAGIC = (b"RIFF", b"RF64", b"FORM", b"fLaC", b"OggS")
# Magic numbers of common compressed containers (decoded by PyAV).
_OTHER_MAGIC = (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\x1aE\xdf\xa3")
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)


@dataclass(frozen=True)
class WavHeader:
    """What a RIFF/WAVE header declares about its ``data`` chunk."""

    sample_rate: int
    channels: int
    block_align: int
    data_offset: int
    data_bytes: int | None  # None when the writer left the size unknown (streamed WAV)

    def declared_duration_s(self) -> float | None:
        if self.data_bytes is None or self.block_align <= 0 or self.sample_rate <= 0:
            return None
        return self.data_bytes / self.block_align / self.sample_rate


def looks_like_audio(head: bytes) -> bool:
    """True when the first bytes carry a magic number of an audio container we know."""
    if head[4:8] == b"ftyp":  # MP4/M4A
        return True
    return head.startswith(_SOUNDFILE_MAGIC) or head.startswith(_OTHER_MAGIC)


def soundfile_first(head: bytes) -> bool:
    """True when libsndfile should try the bytes before PyAV."""
    return head.startswith(_SOUNDFILE_MAGIC)


def parse_wav_header(head: bytes) -> WavHeader | None:
    """Walk the RIFF chunks in ``head`` (the file's first bytes) up to the ``data`` chunk.

    Returns None for anything that is not a plain RIFF/WAVE file or whose ``data`` chunk
    starts beyond ``head``.
    """
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    offset, fmt = 12, None
    while offset + 8 <= len(head):
        chunk_id = head[offset : offset + 4]
        (size,) = struct.unpack("<I", head[offset + 4 : offset + 8])
        body = offset + 8
        if chunk_id == b"fmt " and body + 16 <= len(head):
            _, channels, rate, _, align = struct.unpack("<HHIIH", head[body : body + 14])
            fmt = (rate, channels, align)
        elif chunk_id == b"data":
            if fmt is None:
                return None
            data_bytes = None if size in _UNKNOWN_SIZES else size
            return WavHeader(fmt[0], fmt[1], fmt[2], body, data_bytes)
        offset = body + size + (size & 1)
    return None


_OGG_HEADER = 27
_OGG_EOS = 0x04
OGG_TAIL_BYTES = 65_536 + 512  # an Ogg page is at most 65,307 bytes


def ogg_truncated(tail: bytes) -> bool:
    """True when the file's last Ogg page is cut short or is not the end-of-stream page.

    ``tail`` is the last ``OGG_TAIL_BYTES`` of the file. A complete stream ends with a whole
    page whose header carries the EOS flag; a truncated download ends inside a page.
    """
    start = tail.rfind(b"OggS")
    if start < 0 or len(tail) - start < _OGG_HEADER:
        return True
    header_type = tail[start + 5]
    segments = tail[start + 26]
    table_end = start + _OGG_HEADER + segments
    if table_end > len(tail):
        return True
    body = sum(tail[start + _OGG_HEADER : table_end])
    return table_end + body != len(tail) or not header_type & _OGG_EOS
