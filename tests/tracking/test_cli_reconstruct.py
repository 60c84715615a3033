"""``reconstruct`` and ``evaluate`` click commands end to end, and their one-line errors."""

import json

import jax
import numpy as np
import pytest

from colliderax import detector
from colliderax.cli.reconstruct import evaluate, reconstruct
from colliderax.core.errors import ColliderAxError
from colliderax.tracking import CheckpointError, EmptyEvent, GeometryMismatch

from .conftest import BZ


def run(command, args):
    return command.main(args=[str(a) for a in args], standalone_mode=False)


@pytest.fixture(scope="module")
def event_dir(tmp_path_factory, cms_geometry):
    out = tmp_path_factory.mktemp("events")
    muons = detector.gun(jax.random.key(31), 120, pt_range=(1.0, 10.0), eta_range=(-2.5, 2.5))
    sim = detector.simulate(jax.random.key(32), muons, cms_geometry, field=BZ, noise_hits=300)
    detector.write_event(sim.to_tables(), out, 1000)
    return out


def test_reconstruct_and_evaluate(event_dir, tmp_path, capsys):
    reco = tmp_path / "reco"
    run(reconstruct, ["--input", event_dir / "event000001000-hits.parquet", "--out", reco])
    tracks = detector.read_table(reco / "tracks.csv")
    assert set(tracks) == {"hit_id", "track_id"}
    params = detector.read_table(reco / "track_params.parquet")
    assert {"d0", "z0", "phi", "theta", "qop", "chi2", "ndf", "cov_44"} <= set(params)
    assert len(np.unique(tracks["track_id"])) == len(params["track_id"])
    run(evaluate, ["--input", event_dir, "--tracks", reco])
    out = capsys.readouterr().out
    assert "efficiency" in out
    assert "TrackML score" in out
    metrics = json.loads((reco / "metrics.json").read_text())
    assert metrics["summary"]["efficiency"] > 0.97
    assert metrics["summary"]["fake_rate"] < 0.02
    assert (reco / "metrics_vs_pt.csv").is_file()


def test_gnn_without_checkpoint_is_a_one_line_error(event_dir, tmp_path):
    with pytest.raises(CheckpointError, match="not a GNN checkpoint"):
        run(reconstruct, ["--method", "gnn", "--checkpoint", tmp_path / "none", "--input",
                          event_dir, "--out", tmp_path / "o"])


def test_bad_inputs(event_dir, tmp_path, cms_geometry):
    # hits written with a geometry whose ids this geometry does not have
    tables = detector.read_event(event_dir, 1000)
    tables["hits"]["volume_id"] = tables["hits"]["volume_id"] + 100
    bad = tmp_path / "bad"
    detector.write_event(tables, bad, 1000)
    with pytest.raises(GeometryMismatch) as info:
        run(reconstruct, ["--input", bad, "--out", tmp_path / "o1"])
    assert isinstance(info.value, ColliderAxError)
    # an empty event
    empty = tmp_path / "empty"
    tables = detector.read_event(event_dir, 1000)
    tables = {k: {c: v[:0] for c, v in t.items()} for k, t in tables.items()}
    detector.write_event(tables, empty, 1000)
    with pytest.raises(EmptyEvent, match="no hits"):
        run(reconstruct, ["--input", empty, "--out", tmp_path / "o2"])
    # evaluate without a reconstruction
    with pytest.raises(EmptyEvent, match="run colliderax reconstruct first"):
        run(evaluate, ["--input", event_dir, "--tracks", tmp_path / "nothing"])
