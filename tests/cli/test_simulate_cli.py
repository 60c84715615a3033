"""``colliderax simulate``: end to end with a gun and with Pythia, summary, errors, Ctrl-C."""

import json

import numpy as np
import pytest

from colliderax.cli import main
from colliderax.detector import read_event
from colliderax.detector.sources import pythia_available
from tests.detector.lhe_files import write_test_lhe

needs_pythia = pytest.mark.skipif(not pythia_available(), reason="Pythia 8 is not installed")


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_gun_end_to_end_csv(tmp_path, capsys):
    out = tmp_path / "gun"
    code, stdout, err = run(
        ["simulate", "--gun", "50", "--pileup", "0", "--events", "2", "--format", "csv",
         "--seed", "3", "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    assert "2 written" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["partial"] is False
    assert summary["events"] == 2
    assert summary["seed"] == 3
    assert summary["settings"]["source"] == "gun"
    assert summary["settings"]["bfield_t"] == 3.8
    assert summary["versions"]["jax"]
    assert summary["mean_charged_particles_per_event"] == 50
    hits = []
    for event_id in (1000, 1001):
        ev = read_event(out, event_id)
        assert set(ev) == {"hits", "truth", "particles"}
        p = ev["particles"]
        assert len(p["particle_id"]) == 50
        np.testing.assert_array_equal(p["collision"], 0)
        np.testing.assert_array_equal(np.abs(p["pdg_id"]), 13)
        assert p["pdg_id"].dtype == np.int64  # read back as integers
        # every hit belongs to a particle of the table, and nhits counts them
        ids, counts = np.unique(ev["truth"]["particle_id"], return_counts=True)
        assert set(ids) <= set(p["particle_id"])
        np.testing.assert_array_equal(
            p["nhits"][np.searchsorted(p["particle_id"], ids)], counts
        )
        hits.append(len(ev["hits"]["hit_id"]))
    assert summary["mean_hits_per_event"] == pytest.approx(np.mean(hits))
    assert [r["hits"] for r in summary["per_event"]] == hits
    # same seed -> same files
    again = tmp_path / "again"
    code, _, err = run(
        ["simulate", "--gun", "50", "--pileup", "0", "--events", "1", "--format", "csv",
         "--seed", "3", "--out", str(again)],
        capsys,
    )
    assert code == 0, err
    for name in ("hits", "truth", "particles"):
        a = (out / f"event000001000-{name}.csv").read_text()
        assert (again / f"event000001000-{name}.csv").read_text() == a


def _one_error_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("colliderax: error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--pythia", "wprime", "--events", "1"], "unknown process 'wprime'"),
        (["--gun", "5", "--pileup", "-1", "--events", "1"], "--pileup"),
        (["--gun", "5", "--events", "0"], "--events must be >= 1"),
        (["--gun", "5", "--events", "-3"], "--events must be >= 1"),
        (["--gun", "0", "--events", "1"], "--gun"),
        (["--events", "1"], "exactly one of"),
        (["--gun", "5", "--pythia", "ttbar", "--events", "1"], "exactly one of"),
        (["--gun", "5", "--events", "1", "--geometry", "no_such_tracker"], "unknown geometry"),
        (["--lhe", "/nonexistent/file.lhe", "--events", "1"], "no such LHE file"),
        (["--gun", "5", "--events", "1", "--format", "root"], "--format"),
    ],
)
def test_user_errors_exit_2_with_one_line(args, needle, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(["simulate", *args, "--out", str(out)], capsys)
    assert code == 2
    assert needle in _one_error_line(err)
    assert not out.exists()  # nothing written


def test_malformed_geometry_and_bad_out_dirs(tmp_path, capsys):
    geo = tmp_path / "broken.toml"
    geo.write_text('schema_version = 1\nname = "broken"\n[[volumes]]\nid = 8\n')
    out = tmp_path / "out"
    code, _, err = run(["simulate", "--gun", "5", "--pileup", "0", "--events", "1",
                        "--geometry", str(geo), "--out", str(out)], capsys)
    assert code == 2
    assert "broken.toml" in _one_error_line(err)
    assert not out.exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, _, err = run(["simulate", "--gun", "5", "--pileup", "0", "--events", "1",
                        "--out", str(a_file / "sub")], capsys)
    assert code == 2
    assert "not a directory" in _one_error_line(err)
    used = tmp_path / "used"
    used.mkdir()
    (used / "summary.json").write_text("{}")
    code, _, err = run(["simulate", "--gun", "5", "--pileup", "0", "--events", "1",
                        "--out", str(used)], capsys)
    assert code == 2
    assert "--overwrite" in _one_error_line(err)
    assert (used / "summary.json").read_text() == "{}"


def test_ctrl_c_writes_a_partial_summary(tmp_path, capsys, monkeypatch):
    import colliderax.detector as det

    real = det.write_event
    calls = []

    def interrupted(tables, directory, event_id, *, fmt):
        calls.append(event_id)
        if len(calls) == 2:  # half-way through the second event
            det.write_table(tables["hits"], directory / f"event{event_id:09d}-hits.csv",
                            part="hits")
            raise KeyboardInterrupt
        return real(tables, directory, event_id, fmt=fmt)

    monkeypatch.setattr(det, "write_event", interrupted)
    out = tmp_path / "run"
    code, _, err = run(["simulate", "--gun", "50", "--pileup", "0", "--events", "5",
                        "--format", "csv", "--out", str(out)], capsys)
    assert code == 130
    assert "interrupted" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["partial"] is True
    assert summary["events"] == 1
    assert [r["event_id"] for r in summary["per_event"]] == [1000]
    names = sorted(p.name for p in out.iterdir())
    assert names == ["event000001000-hits.csv", "event000001000-particles.csv",
                     "event000001000-truth.csv", "summary.json"]


@needs_pythia
def test_pythia_zmumu_without_pileup(tmp_path, capsys):
    out = tmp_path / "z"
    code, stdout, err = run(["simulate", "--pythia", "zmumu", "--pileup", "0", "--events", "1",
                             "--out", str(out)], capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["events"] == 1
    assert summary["settings"]["process"] == "zmumu"
    assert summary["versions"]["pythia8mc"]
    assert summary["mean_charged_particles_per_event"] > 10
    assert summary["mean_hits_per_event"] > 100
    ev = read_event(out, 1000)
    pdg = ev["particles"]["pdg_id"]
    assert np.any(pdg == 13)
    assert np.any(pdg == -13)
    np.testing.assert_array_equal(ev["particles"]["collision"], 0)
    assert "charged particles" in stdout


@needs_pythia
def test_lhe_with_pileup_stops_at_end_of_file(tmp_path, capsys):
    lhe = write_test_lhe(tmp_path / "two.lhe", n_events=2)
    out = tmp_path / "lhe"
    code, _, err = run(["simulate", "--lhe", str(lhe), "--pileup", "2", "--pileup-model",
                        "nondiffractive", "--events", "3", "--out", str(out)], capsys)
    assert code == 0, err
    assert "no more events" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["events"] == 2
    assert summary["events_requested"] == 3
    assert summary["partial"] is False
    assert "no more events" in summary["stopped"]
    collisions = np.concatenate(
        [read_event(out, i)["particles"]["collision"] for i in (1000, 1001)]
    )
    assert collisions.max() == max(r["pileup_collisions"] for r in summary["per_event"])
    assert not list(out.glob("event000001002-*"))


def test_overwrite_replaces_the_previous_run(tmp_path, capsys):
    out = tmp_path / "run"
    base = ["simulate", "--gun", "50", "--pileup", "0", "--format", "csv", "--out", str(out)]
    code, _, err = run([*base, "--events", "2"], capsys)
    assert code == 0, err
    code, _, err = run([*base, "--events", "1", "--overwrite"], capsys)
    assert code == 0, err
    assert not list(out.glob("event000001001-*"))
    assert json.loads((out / "summary.json").read_text())["events"] == 1
