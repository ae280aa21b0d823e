"""Storage URIs (local paths, s3://) and the model registry."""
