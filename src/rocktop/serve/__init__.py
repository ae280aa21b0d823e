"""The inference service (FastAPI app factory, engine, auth, limits, metrics)."""
