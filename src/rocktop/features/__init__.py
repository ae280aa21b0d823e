"""Content units (HuBERT/ContentVec), F0 extractors, and the content-addressed feature cache."""
