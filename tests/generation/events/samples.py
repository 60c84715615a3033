"""Hand-built, exactly balanced parton-level events for the event-output tests.

u u~ > e+ e- and g g > t t~ in pp collisions at 13 TeV: partonic momentum fractions from a
fixed seed, a random direction in the partonic rest frame, then a boost along z; colour lines
as MG5 writes them.
"""

import numpy as np

from colliderax.generation.events import EventBatch, ProcessInfo, RunInfo

BEAM = 6500.0  # GeV per proton
M_TOP = 173.0  # GeV
M_E = 0.000511  # GeV


def _two_to_two(rng, n, m_out, shat_min):
    """Incoming partons along ±z and two outgoing particles of mass ``m_out``, shape (n, 4, 4)."""
    tau = rng.uniform(shat_min / (2 * BEAM) ** 2, 0.01, n)
    y = rng.uniform(-0.5, 0.5, n) * np.log(1 / tau)
    x1, x2 = np.sqrt(tau) * np.exp(y), np.sqrt(tau) * np.exp(-y)
    sqrt_s = 2 * BEAM * np.sqrt(tau)
    p = np.zeros((n, 4, 4))
    p[:, 0] = np.stack([x1 * BEAM, 0 * x1, 0 * x1, x1 * BEAM], axis=1)
    p[:, 1] = np.stack([x2 * BEAM, 0 * x2, 0 * x2, -x2 * BEAM], axis=1)
    cos_t, phi = rng.uniform(-1, 1, n), rng.uniform(0, 2 * np.pi, n)
    sin_t = np.sqrt(1 - cos_t**2)
    e = sqrt_s / 2
    k = np.sqrt(e**2 - m_out**2)
    direction = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)
    beta = (x1 - x2) / (x1 + x2)
    gamma = 1 / np.sqrt(1 - beta**2)
    for leg, sign in ((2, 1.0), (3, -1.0)):
        kv = sign * k[:, None] * direction
        p[:, leg, 0] = gamma * (e + beta * kv[:, 2])
        p[:, leg, 1] = kv[:, 0]
        p[:, leg, 2] = kv[:, 1]
        p[:, leg, 3] = gamma * (kv[:, 2] + beta * e)
    return p, sqrt_s


def drell_yan_batch(n: int = 5, seed: int = 1, extra: bool = False) -> EventBatch:
    """``n`` events u u~ > e+ e- (massive electrons)."""
    rng = np.random.default_rng(seed)
    p, sqrt_s = _two_to_two(rng, n, M_E, 60.0**2)
    ones = np.ones(n, dtype=np.int64)
    extra_weights = None
    ids: tuple[str, ...] = ()
    weight = np.full(n, 123.4 / n)
    if extra:
        ids = ("1", "2", "3", "4", "5", "7", "9")
        extra_weights = weight[:, None] * rng.uniform(0.8, 1.2, (n, len(ids)))
    return EventBatch(
        pdg=np.tile([2, -2, -11, 11], (n, 1)),
        status=np.tile([-1, -1, 1, 1], (n, 1)),
        mothers=np.tile([[0, 0], [0, 0], [1, 2], [1, 2]], (n, 1, 1)),
        colour=np.tile([[501, 0], [0, 501], [0, 0], [0, 0]], (n, 1, 1)),
        momenta=p,
        mass=np.tile([0.0, 0.0, M_E, M_E], (n, 1)),
        weight=weight,
        process_id=ones,
        scale=sqrt_s,
        alpha_s=np.full(n, 0.118),
        alpha_qed=np.full(n, 1 / 132.5),
        extra_weights=extra_weights,
        extra_weight_ids=ids,
    )


def ttbar_batch(n: int = 5, seed: int = 2) -> EventBatch:
    """``n`` events g g > t t~ with on-shell tops and MG5's colour flow."""
    rng = np.random.default_rng(seed)
    p, sqrt_s = _two_to_two(rng, n, M_TOP, (2 * M_TOP + 10) ** 2)
    return EventBatch(
        pdg=np.tile([21, 21, 6, -6], (n, 1)),
        status=np.tile([-1, -1, 1, 1], (n, 1)),
        mothers=np.tile([[0, 0], [0, 0], [1, 2], [1, 2]], (n, 1, 1)),
        colour=np.tile([[501, 502], [503, 501], [503, 0], [0, 502]], (n, 1, 1)),
        momenta=p,
        mass=np.tile([0.0, 0.0, M_TOP, M_TOP], (n, 1)),
        weight=np.full(n, 500.0 / n),
        process_id=np.full(n, 2),
        scale=sqrt_s / 2,
        alpha_s=np.full(n, 0.108),
        alpha_qed=np.full(n, 1 / 132.5),
    )


def run_info(**changes) -> RunInfo:
    """pp at 13 TeV with NNPDF23 LO, processes 1 (Drell-Yan) and 2 (t t~)."""
    info = RunInfo(
        beam_pdg=(2212, 2212),
        beam_energy=(BEAM, BEAM),
        processes=(ProcessInfo(1, 123.4, 0.5, 123.4 / 5), ProcessInfo(2, 500.0, 2.0, 100.0)),
        pdf_group=(0, 0),
        pdf_set=(230000, 230000),
        generator_version="0.1.0",
    )
    return info.replace(**changes)


M_W = 80.379  # GeV


def _boost(q, parent):
    """Boost rest-frame momenta ``q`` (n, 4) into the frame where the parent has ``parent``."""
    m = np.sqrt(parent[:, 0] ** 2 - np.sum(parent[:, 1:] ** 2, axis=1))
    beta = parent[:, 1:] / parent[:, :1]
    gamma = (parent[:, 0] / m)[:, None]
    bq = np.sum(beta * q[:, 1:], axis=1, keepdims=True)
    e = gamma * (q[:, :1] + bq)
    p = q[:, 1:] + beta * (gamma**2 / (gamma + 1) * bq + gamma * q[:, :1])
    return np.concatenate([e, p], axis=1)


def _decay(rng, parent, m_parent, m1, m2):
    """Isotropic two-body decay of ``parent`` (n, 4) into masses m1, m2: lab momenta."""
    n = parent.shape[0]
    k = np.sqrt((m_parent**2 - (m1 + m2) ** 2) * (m_parent**2 - (m1 - m2) ** 2)) / (2 * m_parent)
    cos_t, phi = rng.uniform(-1, 1, n), rng.uniform(0, 2 * np.pi, n)
    sin_t = np.sqrt(1 - cos_t**2)
    kv = k * np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)
    q1 = np.concatenate([np.sqrt(m1**2 + k**2) * np.ones((n, 1)), kv], axis=1)
    q2 = np.concatenate([np.sqrt(m2**2 + k**2) * np.ones((n, 1)), -kv], axis=1)
    return _boost(q1, parent), _boost(q2, parent)


def ttbar_dilepton_batch(n: int = 5, seed: int = 3) -> EventBatch:
    """g g > t t~, t > w+ b, t~ > w- b~, w+ > e+ ve, w- > e- ve~ with the resonances
    (t, t~, W+, W-) in the record as status 2, on their mass shells, as MG5 writes decay chains.
    """
    rng = np.random.default_rng(seed)
    tt = ttbar_batch(n, seed)
    p_in, top, atop = tt.momenta[:, 0], tt.momenta[:, 2], tt.momenta[:, 3]
    w_plus, b = _decay(rng, top, M_TOP, M_W, 0.0)
    w_minus, bbar = _decay(rng, atop, M_TOP, M_W, 0.0)
    e_plus, nu = _decay(rng, w_plus, M_W, M_E, 0.0)
    e_minus, nubar = _decay(rng, w_minus, M_W, M_E, 0.0)
    p = np.stack([p_in, tt.momenta[:, 1], top, atop, w_plus, b, w_minus, bbar, e_plus, nu,
                  e_minus, nubar], axis=1)
    return EventBatch(
        pdg=np.tile([21, 21, 6, -6, 24, 5, -24, -5, -11, 12, 11, -12], (n, 1)),
        status=np.tile([-1, -1, 2, 2, 2, 1, 2, 1, 1, 1, 1, 1], (n, 1)),
        mothers=np.tile([[0, 0], [0, 0], [1, 2], [1, 2], [3, 3], [3, 3], [4, 4], [4, 4],
                         [5, 5], [5, 5], [7, 7], [7, 7]], (n, 1, 1)),
        colour=np.tile([[501, 502], [503, 501], [503, 0], [0, 502], [0, 0], [503, 0], [0, 0],
                        [0, 502], [0, 0], [0, 0], [0, 0], [0, 0]], (n, 1, 1)),
        momenta=p,
        mass=np.tile([0, 0, M_TOP, M_TOP, M_W, 0, M_W, 0, M_E, 0, M_E, 0], (n, 1)),
        helicity=np.tile([-1, 1, 0, 0, 0, -1, 0, 1, 1, -1, -1, 1], (n, 1)),
        weight=np.full(n, 10.0 / n),
        process_id=np.full(n, 3),
        scale=tt.scale,
        alpha_s=tt.alpha_s,
        alpha_qed=tt.alpha_qed,
    )
