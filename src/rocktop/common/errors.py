"""The one error base the CLI and the service know how to report."""


class RocktopError(Exception):
    """A user-facing error: its message is one line that names the input and the limit.

    The CLI prints ``str(error)`` and exits with code 2; the service maps ``http_status``
    and ``code`` into a JSON error body.
    """

    http_status: int = 400
    code: str = "bad_request"


class MissingDependencyError(RocktopError):
    """An optional extra is not installed; the message names the extra to install."""

    http_status = 500
    code = "missing_dependency"

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module} is not installed: install it with `pip install 'rocktop[{extra}]'`"
        )
