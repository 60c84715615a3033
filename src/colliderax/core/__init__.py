"""Shared conventions: errors, dtype and device set-up, Lorentz kinematics, progress, logging.

`core` knows nothing of events, processes or tracks; every other sub-package may use it.
"""

from colliderax.core.device import DEVICE_ENV_VAR as DEVICE_ENV_VAR
from colliderax.core.device import select_device as select_device
from colliderax.core.dtypes import enable_x64 as enable_x64
from colliderax.core.dtypes import real_dtype as real_dtype
from colliderax.core.dtypes import require_x64 as require_x64
from colliderax.core.errors import ColliderAxError as ColliderAxError
from colliderax.core.errors import DeviceUnavailable as DeviceUnavailable
from colliderax.core.errors import InvalidCard as InvalidCard
from colliderax.core.errors import InvalidInput as InvalidInput
from colliderax.core.errors import InvalidProcess as InvalidProcess
from colliderax.core.progress import progress_bar as progress_bar

__all__ = [
    "DEVICE_ENV_VAR",
    "ColliderAxError",
    "DeviceUnavailable",
    "InvalidCard",
    "InvalidInput",
    "InvalidProcess",
    "enable_x64",
    "progress_bar",
    "real_dtype",
    "require_x64",
    "select_device",
]
