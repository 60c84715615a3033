"""Kalman filter and Rauch-Tung-Striebel smoother for helix tracks (batched, jit, float64).

State. The state of segment ``k`` of a track (the helix between measurement ``k - 1`` and
measurement ``k``; segment 0 starts at the production vertex) is the perigee parameter vector
(:mod:`.helix`) of that helix, extended to its point of closest approach to the beam line.
In a uniform field a helix is transported without change, so the transport matrix is the
identity; the only process noise is multiple scattering at the crossings. At crossing ``k`` the
direction is rotated by two independent projected angles of width ``theta0`` (Highland, PDG
eq. 34.15, with the layer's ``x/X0`` divided by the cosine of the incidence angle, exactly as
:func:`colliderax.detector.simulate` does); the noise on the next segment's parameters is
``Q = G diag(theta0^2, theta0^2) G^T`` with ``G`` the derivative of the new perigee
parameters with respect to the two angles (:func:`jax.jacfwd`). Energy loss is not modelled.

Measurements. A hit on a barrel layer measures (phi, z) on the cylinder through the hit, a hit on
a disk (phi, r) on the plane through the hit; the residual is ``(r dphi, dz)`` or
``(r dphi, dr)`` with the diagonal covariance ``(sigma_u^2, sigma_v^2)`` (pitch / sqrt(12)). The
measurement function is the crossing of the helix with that surface, linearised with
:func:`jax.jacfwd` around a reference trajectory.

Iterations. The first pass linearises around the initial parameters (a seed); each further pass
linearises every step around the previous pass's smoothed state of that segment (an iterated
extended Kalman smoother). The prior is the initial parameters with a wide covariance.

Output. The smoothed state of segment 0 is the fitted perigee (at the production vertex, before
any scattering); its covariance, the chi^2 of the filter (sum of predicted-residual chi^2) and
ndf = 2 n_hits - 5.

Algorithm: R. Frühwirth, *Application of Kalman filtering to track and vertex fitting*,
NIM A 262 (1987) 444 (filter eqs. 5-9, smoother eqs. 10-12).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp

from colliderax.core.dtypes import require_x64
from colliderax.core.errors import InvalidInput
from colliderax.detector.simulation import highland_theta0
from colliderax.tracking.helix import N_PARAMS, perigee_from_state, surface_state, wrap_angle

PION_MASS = 0.13957039
"""Default mass hypothesis [GeV] for the multiple-scattering velocity."""
MUON_MASS = 0.1056583755

DEFAULT_PRIOR_SIGMA = (10.0, 100.0, 1.0, 1.0, 1.0)
"""Widths of the prior around the initial parameters: d0 [mm], z0 [mm], phi, theta [rad],
q/p [e/GeV]. Wide enough to carry no information on real tracks."""


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Measurements:
    """Measurements of a batch of tracks, shape ``(n_tracks, n_max)``, ordered along the track.

    Padded slots have ``valid = False`` and come after the valid ones.

    Attributes:
        phi: Azimuth of the hit [rad].
        r: Transverse radius of the hit [mm] (the cylinder radius for barrel hits).
        z: z of the hit [mm] (the plane position for disk hits).
        is_barrel: The hit is on a barrel layer (cylinder) rather than a disk.
        sigma_u: Resolution along r-phi [mm].
        sigma_v: Resolution along z (barrel) or r (disk) [mm].
        x_over_x0: Radiation-length fraction of the layer at normal incidence.
        valid: The slot holds a hit.
    """

    phi: jax.Array
    r: jax.Array
    z: jax.Array
    is_barrel: jax.Array
    sigma_u: jax.Array
    sigma_v: jax.Array
    x_over_x0: jax.Array
    valid: jax.Array

    @property
    def n_hits(self) -> jax.Array:
        """(n_tracks,) number of valid hits."""
        return jnp.sum(self.valid, axis=-1)


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class FitResult:
    """Output of :func:`fit` for ``n`` tracks.

    Attributes:
        params: (n, 5) fitted perigee parameters (d0, z0, phi, theta, q/p).
        cov: (n, 5, 5) their covariance.
        chi2: (n,) chi^2 of the fit.
        ndf: (n,) degrees of freedom, ``2 n_hits - 5``.
        ok: (n,) the fit converged to finite numbers and has ndf > 0.
        smoothed: (n, n_max, 5) smoothed state of every segment (segment k ends at hit k).
    """

    params: jax.Array
    cov: jax.Array
    chi2: jax.Array
    ndf: jax.Array
    ok: jax.Array
    smoothed: jax.Array


def _local(params, is_barrel, surface, bz):
    """Predicted (phi, v) on the surface (v = z on barrels, r on disks)."""
    x, y, z, _, _ = surface_state(params, is_barrel, surface, bz)
    phi = jnp.arctan2(y, x)
    v = jnp.where(is_barrel, z, jnp.hypot(x, y))
    return jnp.stack([phi, v])


def _after_kick(angles, params, is_barrel, surface, bz):
    """Perigee of the helix leaving the crossing after the direction is kicked by ``angles``."""
    x, y, z, phi, _ = surface_state(params, is_barrel, surface, bz)
    theta = params[3]
    return perigee_from_state(
        x, y, z, phi + angles[0] / jnp.sin(theta), theta + angles[1], params[4], bz
    )


def _step_model(ref, hit, bz, mass):
    """Linearised measurement and process noise of one step, around the state ``ref``.

    Returns (h(ref) as (phi, v), H (2, 5) with row 0 scaled by r, Q (5, 5), ok).
    """
    is_barrel = hit["is_barrel"]
    surface = jnp.where(is_barrel, hit["r"], hit["z"])
    pred = _local(ref, is_barrel, surface, bz)
    jac = jax.jacfwd(_local)(ref, is_barrel, surface, bz)
    scale = jnp.stack([hit["r"], 1.0])
    h_mat = jac * scale[:, None]
    g_mat = jax.jacfwd(_after_kick)(jnp.zeros(2, dtype=ref.dtype), ref, is_barrel, surface, bz)
    # g_mat: (5, 2), d(parameters)/d(angles)
    # material: path length through the layer from the incidence angle on the surface
    x, y, _, phi, _ = surface_state(ref, is_barrel, surface, bz)
    theta = ref[3]
    r = jnp.maximum(jnp.hypot(x, y), 1e-300)
    cos_inc = jnp.where(
        is_barrel,
        jnp.abs(x * jnp.cos(phi) + y * jnp.sin(phi)) / r * jnp.sin(theta),
        jnp.abs(jnp.cos(theta)),
    )
    xr = hit["x_over_x0"] / jnp.maximum(cos_inc, 1e-2)
    p = 1.0 / jnp.abs(ref[4])
    beta = p / jnp.sqrt(p * p + mass * mass)
    theta0 = highland_theta0(p, beta, jnp.ones_like(p), xr)
    q_mat = theta0 * theta0 * (g_mat @ g_mat.T)
    ok = jnp.all(jnp.isfinite(pred)) & jnp.all(jnp.isfinite(h_mat)) & jnp.all(
        jnp.isfinite(q_mat)
    )
    return pred, h_mat, q_mat, ok


def kalman_update(x_pred, p_pred, ref, hit, bz, mass):
    """One measurement update, linearised around ``ref`` (Frühwirth eqs. 7-9, Joseph form).

    Args:
        x_pred: (5,) predicted state.
        p_pred: (5, 5) predicted covariance (scattering of the previous crossing included).
        ref: (5,) linearisation point (``x_pred`` for a plain extended Kalman filter).
        hit: dict of scalars ``phi, r, z, is_barrel, sigma_u, sigma_v, x_over_x0``.
        bz: Field [T].
        mass: Mass hypothesis [GeV].

    Returns:
        (x, P, chi2 increment, Q of this crossing for the next step, ok).
    """
    eye = jnp.eye(N_PARAMS, dtype=x_pred.dtype)
    pred, h_mat, q_mat, ok = _step_model(ref, hit, bz, mass)
    meas_vec = jnp.stack([hit["phi"], jnp.where(hit["is_barrel"], hit["z"], hit["r"])])
    lin = h_mat @ (x_pred - ref)
    res = jnp.stack([wrap_angle(meas_vec[0] - pred[0]) * hit["r"], meas_vec[1] - pred[1]]) - lin
    v_mat = jnp.diag(jnp.stack([hit["sigma_u"] ** 2, hit["sigma_v"] ** 2]))
    s_mat = h_mat @ p_pred @ h_mat.T + v_mat
    s_inv = jnp.linalg.inv(jnp.where(ok, s_mat, jnp.eye(2, dtype=x_pred.dtype)))
    gain = p_pred @ h_mat.T @ s_inv
    x_upd = x_pred + gain @ res
    ikh = eye - gain @ h_mat
    p_upd = ikh @ p_pred @ ikh.T + gain @ v_mat @ gain.T
    p_upd = 0.5 * (p_upd + p_upd.T)
    chi2_k = res @ s_inv @ res
    ok = ok & jnp.all(jnp.isfinite(x_upd)) & jnp.isfinite(chi2_k)
    return x_upd, p_upd, chi2_k, q_mat, ok


def _fit_one(meas, ref_states, x0, p0, bz, mass):
    """One filter + smoother pass over one track (arrays of shape (n_max, ...))."""

    def filter_step(carry, inp):
        x, p, q_prev, chi2 = carry
        hit, ref = inp
        # predict: transport is the identity, scattering at the previous crossing adds q_prev
        x_f, p_f, chi2_k, q_mat, use = kalman_update(x, p + q_prev, ref, hit, bz, mass)
        use = use & hit["valid"]
        x_f = jnp.where(use, x_f, x)
        p_f = jnp.where(use, p_f, p + q_prev)
        q_next = jnp.where(use, q_mat, jnp.zeros_like(q_mat))
        chi2 = chi2 + jnp.where(use, chi2_k, 0.0)
        return (x_f, p_f, q_next, chi2), (x_f, p_f, q_next, use)

    n_max = meas.valid.shape[0]
    hits = {
        "phi": meas.phi,
        "r": meas.r,
        "z": meas.z,
        "is_barrel": meas.is_barrel,
        "sigma_u": meas.sigma_u,
        "sigma_v": meas.sigma_v,
        "x_over_x0": meas.x_over_x0,
        "valid": meas.valid,
    }
    zero_q = jnp.zeros((N_PARAMS, N_PARAMS), dtype=x0.dtype)
    (_, _, _, chi2), (xf, pf, qs, used) = jax.lax.scan(
        filter_step, (x0, p0, zero_q, jnp.zeros((), dtype=x0.dtype)), (hits, ref_states)
    )
    # RTS smoother with identity transport: P_pred[k+1] = P_f[k] + Q[k]
    last = jnp.maximum(jnp.sum(hits["valid"]) - 1, 0)
    idx = jnp.arange(n_max)

    def smooth_step(carry, k):
        xs_next, ps_next = carry
        x_f, p_f = xf[k], pf[k]
        p_pred = p_f + qs[k]
        gain = p_f @ jnp.linalg.inv(p_pred)
        xs = x_f + gain @ (xs_next - x_f)
        ps = p_f + gain @ (ps_next - p_pred) @ gain.T
        ps = 0.5 * (ps + ps.T)
        # steps after the last hit (padding) hold the final filtered state
        xs = jnp.where(k >= last, xf[last], xs)
        ps = jnp.where(k >= last, pf[last], ps)
        return (xs, ps), (xs, ps)

    _, (xs, ps) = jax.lax.scan(smooth_step, (xf[last], pf[last]), idx[::-1])
    xs, ps = xs[::-1], ps[::-1]
    n_used = jnp.sum(used)
    return xs[0], ps[0], chi2, n_used, xs


@functools.partial(jax.jit, static_argnames=("n_iter",))
def _fit_kernel(meas, x0, p0, bz, mass, *, n_iter):
    def one(m, x, p):
        n_max = m.valid.shape[0]
        ref = jnp.broadcast_to(x, (n_max, N_PARAMS))
        # the passes as a loop (one compiled pass whatever n_iter is); each linearises around
        # the smoothed states out[4] of the one before
        shapes = jax.eval_shape(_fit_one, m, ref, x, p, bz, mass)
        init = (*(jnp.zeros(a.shape, a.dtype) for a in shapes[:4]), ref)
        out, _ = jax.lax.scan(lambda out, _: (_fit_one(m, out[4], x, p, bz, mass), None), init,
                              None, length=n_iter)
        return out

    return jax.vmap(one)(meas, x0, p0)


def fit(
    measurements: Measurements,
    initial: jax.Array,
    *,
    bz: float,
    mass: float = PION_MASS,
    n_iter: int = 2,
    prior_sigma: tuple[float, ...] = DEFAULT_PRIOR_SIGMA,
) -> FitResult:
    """Fit a batch of tracks: iterated Kalman filter and RTS smoother.

    Args:
        measurements: (n, n_max) hits of each track, ordered outwards along the track.
        initial: (n, 5) starting perigee parameters (e.g. from :func:`.seeding.helix_from_triplet`).
        bz: Solenoid field [T].
        mass: Mass hypothesis [GeV] for the multiple-scattering velocity.
        n_iter: Filter/smoother passes (the first linearises around ``initial``).
        prior_sigma: Widths of the (uninformative) prior around ``initial``.

    Returns:
        A :class:`FitResult` (perigee parameters at the production vertex).

    Raises:
        InvalidInput: x64 mode is off or shapes disagree.
    """
    require_x64()
    initial = jnp.asarray(initial, dtype=jnp.float64)
    n = measurements.valid.shape[0]
    if initial.shape != (n, N_PARAMS):
        msg = f"initial must have shape ({n}, 5), got {initial.shape}"
        raise InvalidInput(msg)
    if n_iter < 1:
        msg = f"n_iter must be >= 1, got {n_iter}"
        raise InvalidInput(msg)
    p0 = jnp.broadcast_to(
        jnp.diag(jnp.asarray(prior_sigma, dtype=jnp.float64) ** 2), (n, N_PARAMS, N_PARAMS)
    )
    params, cov, chi2, n_used, smoothed = _fit_kernel(
        measurements,
        initial,
        p0,
        jnp.asarray(bz, dtype=jnp.float64),
        jnp.asarray(mass, dtype=jnp.float64),
        n_iter=int(n_iter),
    )
    ndf = 2 * n_used - N_PARAMS
    ok = jnp.all(jnp.isfinite(params), axis=-1) & jnp.all(jnp.isfinite(cov), axis=(-1, -2))
    ok = ok & (ndf > 0)
    return FitResult(params=params, cov=cov, chi2=chi2, ndf=ndf, ok=ok, smoothed=smoothed)


def pad_size(n: int) -> int:
    """Padded track-batch size: powers of two from 64 (bounds recompilation)."""
    return max(64, 1 << max(0, math.ceil(math.log2(max(n, 1)))))




__all__ = [
    "DEFAULT_PRIOR_SIGMA",
    "MUON_MASS",
    "PION_MASS",
    "FitResult",
    "Measurements",
    "fit",
    "kalman_update",
    "pad_size",
]
