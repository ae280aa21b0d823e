"""Dataset kit: ingest, segment, QC, speaker verification, split, manifests, reviewer."""
