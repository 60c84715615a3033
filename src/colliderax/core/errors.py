"""One exception hierarchy for user errors.

Every error a user can cause (a bad process string, a malformed card, a missing GPU, a file
with the wrong shape) derives from :class:`ColliderAxError`. Its message is one line that names
the problem and the fix; the CLI prints it as ``colliderax: error: <message>`` and exits with
code 2. Anything else escaping the library is a bug.
"""


class ColliderAxError(Exception):
    """Base class of every user-facing error; the CLI maps it to exit code 2."""


class InvalidInput(ColliderAxError, ValueError):
    """An argument, option or input file is malformed or inconsistent."""


class InvalidProcess(InvalidInput):
    """A process string cannot be parsed or describes no tree-level process."""


class InvalidCard(InvalidInput):
    """An SLHA parameter card or MG5 run card is malformed."""


class DeviceUnavailable(ColliderAxError, RuntimeError):
    """The requested compute device (e.g. a CUDA GPU) is not present."""


__all__ = [
    "ColliderAxError",
    "DeviceUnavailable",
    "InvalidCard",
    "InvalidInput",
    "InvalidProcess",
]
