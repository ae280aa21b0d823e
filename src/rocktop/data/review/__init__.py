"""Web reviewer of a built dataset (127.0.0.1 only)."""
