"""EventBatch and RunInfo: construction, slicing, concatenation and the physics checks."""

import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.events import (
    SCALE_VARIATION_IDS,
    EventBatch,
    concatenate,
    scale_variation_group,
)

from .samples import M_TOP, drell_yan_batch, run_info, ttbar_batch


def test_sample_events_are_valid_and_defaults_fill_in():
    dy, tt = drell_yan_batch(6), ttbar_batch(6)
    dy.validate(momentum_rtol=1e-12)
    tt.validate(momentum_rtol=1e-12)
    np.testing.assert_array_equal(dy.mu_f, dy.scale)
    assert dy.helicity.shape == (6, 4)
    assert np.all(dy.helicity == 9)
    assert dy.extra_weights.shape == (6, 0)
    defaulted = EventBatch(pdg=tt.pdg, status=tt.status, mothers=tt.mothers, colour=tt.colour,
                           momenta=tt.momenta, weight=tt.weight, scale=tt.scale,
                           alpha_s=tt.alpha_s, alpha_qed=tt.alpha_qed)
    np.testing.assert_allclose(defaulted.mass[:, 2:], M_TOP, rtol=1e-9)
    assert defaulted.process_id.tolist() == [1] * 6
    assert not tt.momenta.flags.writeable


def test_slicing_masks_and_concatenation():
    batch = drell_yan_batch(8, extra=True)
    assert len(batch[2:5]) == 3
    assert len(batch[batch.weight > 0]) == 8
    assert len(batch[np.array([0, 7])]) == 2
    assert batch[-1].momenta.tolist() == batch.momenta[-1:].tolist()
    joined = concatenate([batch[:3], batch[3:]])
    np.testing.assert_array_equal(joined.momenta, batch.momenta)
    np.testing.assert_array_equal(joined.extra_weights, batch.extra_weights)
    with pytest.raises(InvalidInput, match="extra weights"):
        concatenate([batch, drell_yan_batch(2)])
    with pytest.raises(InvalidInput, match="at least one"):
        concatenate([])


def test_shape_errors_name_the_field():
    batch = drell_yan_batch(3)
    with pytest.raises(InvalidInput, match="field colour"):
        batch.replace(colour=np.zeros((3, 4)))
    with pytest.raises(InvalidInput, match=r"\(N, n, 4\)"):
        batch.replace(momenta=np.zeros((3, 4, 3)))


def _broken(batch, name, index, value):
    array = np.array(getattr(batch, name))
    array[index] = value
    return batch.replace(**{name: array})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("momenta", (2, 3, 3), 1.0), "event 2 violates 4-momentum conservation"),
        (("mass", (1, 2), 170.0), "event 1 has a particle off its mass shell"),
        (("colour", (0, 2, 0), 504), "event 0 breaks the colour rule"),
        (("colour", (3, 3, 1), 501), "event 3 breaks the colour rule"),
        (("status", (0, 3), 3), "status other than"),
        (("mothers", (0, 3, 0), 9), "mother index"),
        (("scale", 4, 0.0), "scale <= 0"),
        (("weight", 1, np.nan), "non-finite weight"),
    ],
)
def test_validate_finds_the_first_bad_event(change, message):
    bad = _broken(ttbar_batch(5), *change)
    with pytest.raises(InvalidInput, match=message):
        bad.validate()


def test_colour_rule_crosses_incoming_particles():
    """q q~ annihilation: the quark's colour tag returns as the antiquark's anticolour."""
    batch = drell_yan_batch(2)
    batch.validate()
    swapped = batch.replace(colour=np.tile([[501, 0], [501, 0], [0, 0], [0, 0]], (2, 1, 1)))
    with pytest.raises(InvalidInput, match="colour rule"):
        swapped.validate()


def test_resonance_must_carry_its_daughters_momentum():
    tt = ttbar_batch(3)
    p = tt.momenta
    # e+ e- > z > ... style record: insert a resonance (status 2) with the tops as daughters.
    res = p[:, 2] + p[:, 3]
    m = np.sqrt(res[:, 0] ** 2 - np.sum(res[:, 1:] ** 2, axis=1))
    batch = EventBatch(
        pdg=np.tile([21, 21, 21, 6, -6], (3, 1)),
        status=np.tile([-1, -1, 2, 1, 1], (3, 1)),
        mothers=np.tile([[0, 0], [0, 0], [1, 2], [3, 3], [3, 3]], (3, 1, 1)),
        colour=np.tile([[501, 502], [503, 501], [503, 502], [503, 0], [0, 502]], (3, 1, 1)),
        momenta=np.concatenate([p[:, :2], res[:, None], p[:, 2:]], axis=1),
        mass=np.concatenate([tt.mass[:, :2], m[:, None], tt.mass[:, 2:]], axis=1),
        weight=tt.weight, scale=tt.scale, alpha_s=tt.alpha_s, alpha_qed=tt.alpha_qed,
    )
    batch.validate()
    with pytest.raises(InvalidInput, match="resonance 3"):
        _broken(batch, "mothers", (1, 4, 0), 1).validate()


def test_scale_variation_ids_follow_mg5():
    group = scale_variation_group(pdf=230000)
    assert [w.id for w in group.weights] == ["1", "2", "3", "4", "5", "7", "9"]
    assert dict(group.weights[1].attributes) == {"MUR": "2.0", "MUF": "1.0", "PDF": "230000"}
    assert group.combine == "envelope"
    nine = scale_variation_group(list(SCALE_VARIATION_IDS))
    assert [w.id for w in nine.weights] == [str(i) for i in range(1, 10)]
    with pytest.raises(InvalidInput, match="grid"):
        scale_variation_group([(4.0, 1.0)])


def test_run_info_checks():
    info = run_info()
    assert info.xsec == pytest.approx(623.4)
    with pytest.raises(InvalidInput, match="IDWTUP"):
        info.replace(weighting_strategy=5)
    with pytest.raises(InvalidInput, match="unique process ids"):
        info.replace(processes=info.processes[:1] * 2)
    with pytest.raises(InvalidInput, match="XML name"):
        info.replace(header_sections=(("bad tag", "x"),))
    with pytest.raises(InvalidInput, match="LHE element"):
        info.replace(header_sections=(("initrwgt", "x"),))


def test_public_api():
    import colliderax.generation.events as events

    public = {name for name in dir(events) if not name.startswith("_")}
    modules = {"colour_flow", "cuts", "generate", "observables", "plots", "record", "scales",
               "unweighting"}
    assert public - modules == set(events.__all__)


def test_shared_rows_and_scalars_are_broadcast():
    tt = ttbar_batch(4)
    batch = EventBatch(pdg=[21, 21, 6, -6], status=[-1, -1, 1, 1],
                       mothers=[[0, 0], [0, 0], [1, 2], [1, 2]],
                       colour=[[501, 502], [503, 501], [503, 0], [0, 502]],
                       momenta=tt.momenta, weight=2.5, scale=tt.scale, alpha_s=0.118,
                       alpha_qed=1 / 132.5, process_id=2)
    batch.validate()
    for name in ("pdg", "status", "mothers", "colour", "weight", "alpha_s", "process_id"):
        np.testing.assert_array_equal(getattr(batch, name), getattr(tt, name)
                                      if name not in ("weight", "alpha_s") else
                                      np.full(4, 2.5 if name == "weight" else 0.118))
    assert batch.pdg.flags.owndata  # a real copy, not a broadcast view
