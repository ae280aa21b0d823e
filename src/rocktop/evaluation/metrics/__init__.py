"""One module per metric; each module docstring gives the metric's exact definition.

- ``speaker``: speaker similarity (cosine of resemblyzer embeddings).
- ``asr``: word and character error rates of a Whisper transcript (faster-whisper, jiwer).
- ``f0``: F0 RMSE (Hz, cents), correlation, voicing decision error, gross pitch error.
- ``pesq``: wideband PESQ (ITU-T P.862.2) against a time-aligned reference.
- ``stoi``: short-time objective intelligibility against a time-aligned reference.
- ``mcd``: mel-cepstral distortion after dynamic time warping.
- ``loudness``: integrated loudness (BS.1770) and true peak.
- ``rtf``: realtime factor of a conversion.
"""
