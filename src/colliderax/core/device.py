"""Compute-device choice.

Library functions compute wherever their inputs live; only drivers (the CLI, benchmarks)
place data, using :func:`select_device`. The CLI takes ``--device cpu|gpu`` and falls back
to the environment variable ``COLLIDERAX_DEVICE``; the default is JAX's default device.
"""

import os

import jax

from colliderax.core.errors import DeviceUnavailable, InvalidInput

DEVICE_ENV_VAR = "COLLIDERAX_DEVICE"
_CHOICES = ("cpu", "gpu")


def select_device(name: str | None = None) -> jax.Device:
    """Return the first JAX device of the requested kind.

    Args:
        name: ``"cpu"``, ``"gpu"`` or ``None``; ``None`` reads ``COLLIDERAX_DEVICE`` and, if
            that is unset too, returns JAX's default device.

    Raises:
        DeviceUnavailable: a GPU was asked for but JAX sees none.
        InvalidInput: the name is not one of ``cpu``/``gpu``.
    """
    if name is None:
        name = os.environ.get(DEVICE_ENV_VAR) or None
    if name is None:
        return jax.devices()[0]
    kind = name.strip().lower()
    if kind not in _CHOICES:
        msg = f"unknown device {name!r}: choose 'cpu' or 'gpu'"
        raise InvalidInput(msg)
    try:
        devices = jax.devices(kind)
    except RuntimeError:
        devices = []
    if not devices:
        msg = (
            f"a {kind.upper()} was requested but JAX finds none: install the CUDA build "
            "(pip install 'colliderax[cuda]') or use --device cpu"
        )
        raise DeviceUnavailable(msg)
    return devices[0]


def device_description(device: jax.Device) -> str:
    """A short human name for a device, e.g. ``'cpu'`` or ``'NVIDIA H100 80GB HBM3'``."""
    kind = getattr(device, "device_kind", "") or device.platform
    return kind if device.platform != "cpu" else "cpu"
