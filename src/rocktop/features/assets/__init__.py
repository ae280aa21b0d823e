"""Downloadable weights (HuBERT/ContentVec, RMVPE, pretrained G/D): catalog, fetch, verify."""
