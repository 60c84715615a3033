"""LHE v3 output: exact round trip, pylhe and Pythia 8 read it, crash-safe partial files."""

import contextlib
import gzip
import os
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colliderax.core.errors import InvalidInput
from colliderax.generation.events import ProcessInfo, concatenate, scale_variation_group
from colliderax.io.lhe import (
    LHEWriter,
    format_events,
    header_text,
    read_lhe,
    read_lhe_text,
    write_lhe,
)
from tests.generation.events.samples import (
    M_TOP,
    M_W,
    drell_yan_batch,
    run_info,
    ttbar_batch,
    ttbar_dilepton_batch,
)

FIELDS = ("pdg", "status", "mothers", "colour", "momenta", "mass", "helicity", "weight",
          "process_id", "scale", "mu_f", "mu_r", "alpha_s", "alpha_qed", "extra_weights")


def _info(**changes):
    return run_info(
        weight_groups=(scale_variation_group(pdf=230000),),
        header_sections=(("colliderax_run", '{"cuts": "ptj > 20 & mjj < 1e3"}'),
                         ("slha", "BLOCK MASS\n  6 1.73e+02")),
        **changes,
    )


def _assert_same(a, b):
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.extra_weight_ids == b.extra_weight_ids


@pytest.mark.parametrize("name", ["events.lhe", "events.lhe.gz"])
def test_round_trip_is_exact(tmp_path, name):
    batch = drell_yan_batch(7, extra=True)
    info = _info()
    path = write_lhe(tmp_path / name, info, [batch[:3], batch[3:]])
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary files left
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's owner-only 0o600
    if name.endswith(".gz"):
        with path.open("rb") as handle:
            assert handle.read(2) == b"\x1f\x8b"
    contents = read_lhe(path)
    assert contents.run_info == info
    assert not contents.partial
    _assert_same(contents.events, batch)
    # 17 significant digits: the text file conserves momentum as well as the input does.
    contents.events.validate(momentum_rtol=1e-12)


def test_pylhe_reads_the_file(tmp_path):
    pylhe = pytest.importorskip("pylhe")
    batch = drell_yan_batch(4, extra=True)
    info = _info()
    path = write_lhe(tmp_path / "events.lhe.gz", info, batch)
    lhe = pylhe.LHEFile.fromfile(path)
    init = lhe.init.initInfo
    assert (init.beamA, init.beamB, init.energyA, init.PDFsetA) == (2212, 2212, 6500.0, 230000)
    assert init.weightingStrategy == 3
    assert [(p.procId, p.xSection, p.error, p.unitWeight) for p in lhe.init.procInfo] == [
        (q.process_id, q.xsec, q.xsec_error, q.max_weight) for q in info.processes]
    assert lhe.init.generators[0].name == "colliderax"
    group = lhe.header.initrwgt.entries[0]
    assert group.name == "Central scale variation"
    assert [w.id for w in group.weights] == ["1", "2", "3", "4", "5", "7", "9"]
    assert group.weights[1].extra_attributes["MUR"] == "2.0"
    events = list(lhe.events)
    assert len(events) == 4
    for i, event in enumerate(events):
        assert event.eventinfo.weight == batch.weight[i]
        assert event.eventinfo.scale == batch.scale[i]
        assert event.eventinfo.aqcd == batch.alpha_s[i]
        assert event.scales["muf"] == batch.mu_f[i]
        assert list(event.weights.values()) == batch.extra_weights[i].tolist()
        for j, particle in enumerate(event.particles):
            assert particle.id == batch.pdg[i, j]
            assert (particle.color1, particle.color2) == tuple(batch.colour[i, j])
            assert (particle.mother1, particle.mother2) == tuple(batch.mothers[i, j])
            p4 = [particle.e, particle.px, particle.py, particle.pz]
            assert p4 == batch.momenta[i, j].tolist()
            assert particle.m == batch.mass[i, j]


def test_interrupted_run_leaves_a_valid_partial_file(tmp_path):
    path = tmp_path / "events.lhe.gz"
    batch = drell_yan_batch(6, extra=True)
    with pytest.raises(KeyboardInterrupt), LHEWriter(path, _info()) as writer:  # noqa: PT012
        writer.write(batch[:4])
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.lhe.gz"]
    with gzip.open(path, "rt") as handle:
        text = handle.read()
    assert "<!-- colliderax: partial file, 4 events" in text
    assert "KeyboardInterrupt" in text
    assert text.rstrip().endswith("</LesHouchesEvents>")
    contents = read_lhe(path)
    assert contents.partial
    _assert_same(contents.events, batch[:4])


def test_nothing_appears_before_close_and_abort_removes_everything(tmp_path):
    path = tmp_path / "events.lhe"
    writer = LHEWriter(path, _info())
    writer.write(drell_yan_batch(2, extra=True))
    assert not path.exists()
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidInput, match="closed"):
        writer.write(drell_yan_batch(2, extra=True))


def test_close_can_update_the_run_info(tmp_path):
    info = _info()
    writer = LHEWriter(tmp_path / "events.lhe", info)
    writer.write(drell_yan_batch(2, extra=True))
    final = info.replace(processes=info.processes[:1])
    writer.close(run_info=final)
    assert read_lhe(tmp_path / "events.lhe").run_info == final
    assert writer.close() == tmp_path / "events.lhe"  # idempotent


def test_writer_rejects_inconsistent_batches(tmp_path):
    writer = LHEWriter(tmp_path / "events.lhe", _info())
    with pytest.raises(InvalidInput, match="initrwgt"):
        writer.write(drell_yan_batch(2))  # no extra weights, but the run declares seven
    batch = drell_yan_batch(2, extra=True)
    with pytest.raises(InvalidInput, match="process ids"):
        writer.write(batch.replace(process_id=np.array([1, 7])))
    broken = batch.momenta.copy()
    broken[1, 2, 1] += 1.0
    with pytest.raises(InvalidInput, match="event 1 violates 4-momentum"):
        writer.write(batch.replace(momenta=broken))
    writer.abort()
    with pytest.raises(InvalidInput, match="does not exist"):
        LHEWriter(tmp_path / "missing" / "events.lhe", _info())


def test_reader_rejects_mixed_multiplicities_and_garbage(tmp_path):
    bad = tmp_path / "bad.lhe"
    bad.write_text("<LesHouchesEvents>\n<event>\n</event>")
    with pytest.raises(InvalidInput, match="not a valid LHE file"):
        read_lhe(bad)
    with pytest.raises(InvalidInput, match="cannot read"):
        read_lhe(tmp_path / "missing.lhe")


@contextlib.contextmanager
def _captured_fd1():
    """Capture C++ stdout (Pythia prints there) into a list of lines."""
    sys.stdout.flush()
    saved = os.dup(1)
    lines: list[str] = []
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield lines
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            lines.extend(tmp.read().decode(errors="replace").splitlines())


def _pythia_reading(path, seed: int):
    """An initialised PYTHIA 8 reading an LHE file (no MPI, fixed seed)."""
    pythia8 = pytest.importorskip("pythia8mc")
    from colliderax.detector.sources import _xml_dir

    pythia = pythia8.Pythia(_xml_dir(pythia8), False)
    for setting in ("Beams:frameType = 4", f"Beams:LHEF = {path}", "PartonLevel:MPI = off",
                    "Next:numberCount = 0", "Random:setSeed = on", f"Random:seed = {seed}"):
        assert pythia.readString(setting)
    assert pythia.init()
    return pythia


def pythia_reads_cleanly(path, n_events: int) -> bool:
    """Whether PYTHIA 8 (LHEF input, no MPI) accepts the first ``n_events`` events of an LHE
    file and its statistics report no error or warning."""
    with _captured_fd1() as lines:
        pythia = _pythia_reading(path, seed=3)
        accepted = sum(bool(pythia.next()) for _ in range(n_events))
        pythia.stat()
    stats = lines[next(i for i, line in enumerate(lines) if "Error and Warning" in line):]
    return accepted == n_events and any("no errors or warnings to report" in line
                                        for line in stats)


def test_pythia_showers_the_file_without_errors(tmp_path):
    """Pythia 8 reads a gzip LHE v3 file (three subprocesses of 4 and 12 particles, with
    t, t~, W+ and W- resonances in the decay chains), showers and hadronises every event and
    reports no error or warning."""
    info = run_info()
    info = info.replace(processes=(*info.processes, ProcessInfo(3, 10.0, 0.1, 2.0)))
    n = 10
    batch = concatenate([drell_yan_batch(n), ttbar_batch(n)])
    path = write_lhe(tmp_path / "events.lhe.gz", info, [batch, ttbar_dilepton_batch(n)])
    with _captured_fd1() as lines:
        pythia = _pythia_reading(path, seed=7)
        accepted = 0
        for _ in range(3 * n):
            accepted += bool(pythia.next())
        hard = [(p.id(), p.m()) for p in pythia.process.particles()]
        hadrons = pythia.event.size()
        sigma_mb = pythia.infoPython().sigmaGen()
        pythia.stat()
    assert accepted == 3 * n
    masses = dict(hard)  # the last event is t t~ -> dileptons: resonances kept on shell
    assert masses[6] == pytest.approx(M_TOP, rel=1e-9)
    assert masses[24] == pytest.approx(M_W, rel=1e-9)
    assert hadrons > 20
    assert sigma_mb == pytest.approx(info.xsec * 1e-9, rel=1e-6)  # pb -> mb
    stats = lines[next(i for i, line in enumerate(lines) if "Error and Warning" in line):]
    problems = [line for line in stats if "Error" in line.replace("Error and Warning", "")
                or "Warning" in line.replace("Error and Warning", "") or "Abort" in line]
    assert problems == [], problems
    assert any("no errors or warnings to report" in line for line in stats), stats


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(finite, min_size=16, max_size=16), st.lists(finite, min_size=6, max_size=6))
def test_any_float64_survives_the_text_round_trip(momenta, scalars):
    """%.16e is exact for every finite float64, including subnormals and extremes."""
    batch = drell_yan_batch(1).replace(
        momenta=np.array(momenta).reshape(1, 4, 4), mass=np.array([scalars[:4]]),
        weight=np.array(scalars[4:5]), scale=np.array(scalars[5:6]))
    text = header_text(run_info()) + format_events(batch) + "</LesHouchesEvents>\n"
    back = read_lhe_text(text).events
    np.testing.assert_array_equal(back.momenta, batch.momenta)
    np.testing.assert_array_equal(back.mass, batch.mass)
    np.testing.assert_array_equal(back.weight, batch.weight)
    np.testing.assert_array_equal(back.scale, batch.scale)


def test_decay_chain_round_trip(tmp_path):
    batch = ttbar_dilepton_batch(4)
    info = run_info(processes=(ProcessInfo(3, 10.0, 0.1, 2.5),))
    contents = read_lhe(write_lhe(tmp_path / "tt.lhe", info, batch))
    _assert_same(contents.events, batch)
    contents.events.validate()


class _CutShort:
    """A file whose next write stores half of the data and then raises KeyboardInterrupt."""

    def __init__(self, raw):
        self.raw = raw
        self.armed = True

    def write(self, data):
        if self.armed:
            self.armed = False
            self.raw.write(data[: len(data) // 2])
            raise KeyboardInterrupt
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


@pytest.mark.parametrize("then_write", [True, False])
@pytest.mark.parametrize("name", ["events.lhe", "events.lhe.gz"])
def test_write_cut_short_by_ctrl_c_is_dropped_whole(tmp_path, name, then_write):
    batch = drell_yan_batch(9, extra=True)
    writer = LHEWriter(tmp_path / name, _info())
    writer.write(batch[:3])
    writer._raw = _CutShort(writer._raw)
    with pytest.raises(KeyboardInterrupt):
        writer.write(batch[3:6])
    if then_write:
        writer.write(batch[6:])  # a later write overwrites the torn bytes ...
    writer.close(partial=True, reason="KeyboardInterrupt")  # ... and so does close
    contents = read_lhe(tmp_path / name)
    assert contents.partial
    _assert_same(contents.events, concatenate([batch[:3], batch[6:]]) if then_write else batch[:3])


def test_detector_pythia_source_reads_our_files(tmp_path):
    """`colliderax simulate --events FILE` path: the detector's LHE source showers our output."""
    pytest.importorskip("pythia8mc")
    import jax

    from colliderax.detector.sources import pythia_source

    path = write_lhe(tmp_path / "dy.lhe.gz", run_info(), drell_yan_batch(2))
    source = pythia_source(jax.random.key(1), process=None, lhe=path, pileup=0)
    for i in range(2):
        pdg = np.asarray(source.event(i).particles.pdg)
        assert np.count_nonzero(np.abs(pdg) == 11) >= 2
