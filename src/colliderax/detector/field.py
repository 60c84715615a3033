"""Magnetic field descriptions for the tracker simulation.

The propagator moves particles on helices, which is exact in a uniform solenoidal field
(:class:`UniformField`, the default: 3.8 T along +z as in CMS). :class:`FieldMap` is the hook
for non-uniform maps: the propagator asks the map for :math:`B_z` at the start of every helix
segment (the production vertex and each layer crossing) and treats the field as uniform until the
next crossing. Transverse field components are ignored. Implementations must be immutable and
hashable (e.g. a frozen dataclass), because the field is a static argument of the jitted kernel,
and :meth:`FieldMap.bz_at` must be traceable by JAX.
"""

import abc
import dataclasses
import math

import jax.numpy as jnp

from colliderax.core.errors import InvalidInput


class FieldMap(abc.ABC):
    """Interface for magnetic-field maps used by :func:`colliderax.detector.simulate`."""

    @abc.abstractmethod
    def bz_at(self, x: jnp.ndarray, y: jnp.ndarray, z: jnp.ndarray) -> jnp.ndarray:
        """The longitudinal field component.

        Args:
            x: Global x coordinate [mm], any shape.
            y: Global y coordinate [mm], same shape.
            z: Global z coordinate [mm], same shape.

        Returns:
            :math:`B_z` [T], broadcast to the shape of the inputs.
        """


@dataclasses.dataclass(frozen=True)
class UniformField(FieldMap):
    """A uniform solenoidal field along z.

    Attributes:
        bz: Field strength [T]; positive along +z.
    """

    bz: float = 3.8

    def __post_init__(self) -> None:
        if not math.isfinite(self.bz):
            msg = f"field: bz must be a finite number of tesla, got {self.bz!r}"
            raise InvalidInput(msg)

    def bz_at(self, x: jnp.ndarray, y: jnp.ndarray, z: jnp.ndarray) -> jnp.ndarray:
        """Return ``bz`` [T] broadcast to the shape of ``x``."""
        del y, z
        return jnp.full(jnp.shape(x), self.bz, dtype=jnp.result_type(x, float))


def as_field(field: "float | FieldMap") -> FieldMap:
    """Turn a number of tesla into a :class:`UniformField`; pass field maps through.

    Raises:
        InvalidInput: ``field`` is neither a number nor a :class:`FieldMap`.
    """
    if isinstance(field, FieldMap):
        return field
    if isinstance(field, bool) or not isinstance(field, int | float):
        msg = f"field must be a number of tesla or a FieldMap, got {type(field).__name__}"
        raise InvalidInput(msg)
    return UniformField(float(field))


__all__ = ["FieldMap", "UniformField", "as_field"]
