"""GNN pipeline: graph construction, a short training run, track building, checkpoints."""

import jax
import numpy as np
import pytest

from colliderax import detector
from colliderax.tracking import CheckpointError, gnn, prepare_hits
from colliderax.tracking.hits import HitSet

from .conftest import BZ


@pytest.fixture(scope="module")
def gun_training(cms_geometry):
    muons = detector.gun(jax.random.key(41), 120, pt_range=(1.0, 10.0), eta_range=(-2.5, 2.5))
    sim = detector.simulate(jax.random.key(42), muons, cms_geometry, field=BZ, noise_hits=300)
    t = sim.to_tables()
    return [(prepare_hits(t["hits"], cms_geometry), t["truth"], t["particles"])]


def test_graph_keeps_true_edges(gun_training):
    lm = gnn.learn_layer_map(gun_training)
    hits, truth, _ = gun_training[0]
    s, r = gnn.build_graph(hits, lm)
    pid = np.asarray(truth["particle_id"])
    a, b = gnn._consecutive_pairs(hits, truth, gun_training[0][2], 0.9)
    true_pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    found = set(zip(s.tolist(), r.tolist(), strict=True))
    # windows are the training set's 99.5 % quantiles (x 1.1); layer pairs seen < 3 times and
    # pairs without 1 mm of radial progress are dropped: 97 % of the pairs survive here
    assert len(true_pairs & found) / len(true_pairs) > 0.95
    assert np.all(hits.r[r] > hits.r[s])
    assert ((pid[s] == pid[r]) & (pid[s] != 0)).mean() > 0.3


def test_short_training_separates_edges_and_checkpoint_round_trip(gun_training, tmp_path,
                                                                   cms_geometry):
    lm = gnn.learn_layer_map(gun_training)
    model, losses = gnn.train(jax.random.key(0), gun_training, lm, steps=60, hidden=16,
                              n_iter=2)
    assert losses[-1] < 0.5 * losses[0]
    hits, truth, _ = gun_training[0]
    s, r = gnn.build_graph(hits, lm)
    scores = gnn.edge_scores(model, hits, s, r)
    pid = np.asarray(truth["particle_id"])
    label = (pid[s] == pid[r]) & (pid[s] != 0)
    assert scores[label].mean() > scores[~label].mean() + 0.3
    path = gnn.save_checkpoint(tmp_path / "ckpt", model, lm, cms_geometry, n_iter=2)
    model2, lm2, meta = gnn.load_checkpoint(path, cms_geometry)
    np.testing.assert_array_equal(lm2.inner, lm.inner)
    np.testing.assert_allclose(gnn.edge_scores(model2, hits, s, r), scores, rtol=1e-6)
    assert meta["geometry"] == cms_geometry.name
    # another geometry, another format, no checkpoint: one-line errors
    other = detector.geometry_from_dict({"schema_version": 1, "name": "other", "volumes": [{
        "id": 8, "name": "B", "kind": "barrel", "defaults": {
            "module_length": 50.0, "module_width": 20.0, "pitch_u": 0.05, "pitch_v": 0.1,
            "thickness": 0.2, "x_over_x0": 0.01},
        "layers": [{"radius": 50.0, "half_length": 300.0}]}]})
    with pytest.raises(CheckpointError, match="trained for geometry"):
        gnn.load_checkpoint(path, other)
    meta_path = path / "meta.json"
    meta_path.write_text(meta_path.read_text().replace(gnn.CHECKPOINT_FORMAT, "colliderax-gnn/0"))
    with pytest.raises(CheckpointError, match="retrain"):
        gnn.load_checkpoint(path, cms_geometry)
    with pytest.raises(CheckpointError, match="not a GNN checkpoint"):
        gnn.load_checkpoint(tmp_path / "missing", cms_geometry)


def test_track_building_components_and_walkthrough():
    n = 12
    hits = HitSet(hit_id=np.arange(1, n + 1), x=np.zeros(n), y=np.zeros(n), z=np.zeros(n),
                  r=np.arange(n, dtype=float) * 10 + 30, phi=np.zeros(n),
                  layer=np.zeros(n, np.int32), is_barrel=np.ones(n, bool), sigma_u=np.ones(n),
                  sigma_v=np.ones(n), x_over_x0=np.zeros(n))
    # chain 0-1-2-3-4 (simple), and 5-6-7-8-9 with a branch 6->10 (weaker) and 10->11
    s = np.array([0, 1, 2, 3, 5, 6, 7, 8, 6, 10])
    r = np.array([1, 2, 3, 4, 6, 7, 8, 9, 10, 11])
    w = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.7, 0.9])
    tracks = gnn.build_tracks(hits, s, r, w, threshold=0.5, min_hits=4)
    got = sorted(tuple(t.tolist()) for t in tracks)
    assert got == [(0, 1, 2, 3, 4), (5, 6, 7, 8, 9)]
    # below threshold the branch disappears and the chain is a simple component
    tracks = gnn.build_tracks(hits, s, r, np.where(w < 0.8, 0.1, w), min_hits=4)
    assert sorted(len(t) for t in tracks) == [5, 5]


def test_shipped_checkpoint_loads(cms_geometry):
    path = gnn.default_checkpoint(cms_geometry)
    if not (path / "meta.json").is_file():
        pytest.skip("no checkpoint shipped for this geometry")
    model, layer_map, meta = gnn.load_checkpoint(path, cms_geometry)
    assert meta["format"] == gnn.CHECKPOINT_FORMAT
    assert len(layer_map.inner) > 50
    assert model.hidden == meta["hidden"]
