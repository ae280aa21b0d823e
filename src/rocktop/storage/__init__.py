"""Storage URIs (local paths, s3://) and the model registry.

- ``storage.uri``: read/write/put/get/ls/find/stat/exists/local_copy on a local path or URI,
  atomic on both (S3 objects appear only when complete); ``S3Settings`` (endpoint from
  ``AWS_ENDPOINT_URL``, multipart part size).
- ``storage.sync`` / ``storage.staging``: resumable tree copies; local staging of ``s3://``
  folders for commands that work on folders.
- ``storage.registry``: ``ModelRegistry(source, cache_dir).list()`` / ``.fetch(name) ->
  ModelFiles(model, index)`` for a directory, an S3 prefix or MLflow ``models:/``.
- ``storage.mlflow_models``: ``models:/`` resolution and ``register_voice``.
"""
