"""Acceptance 6: Parquet round trip and reading TrackML-layout CSV events."""

import gzip

import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.detector import io as dio
from colliderax.detector import read_event, read_table, write_event, write_table

from .conftest import NOISE_HITS

pytest.importorskip("pyarrow")

TRACKML_HITS = """hit_id,x,y,z,volume_id,layer_id,module_id
1,-64.4099,-7.1637,-1502.5,7,2,1
2,-55.3361,0.635342,-1502.5,7,2,1
3,-83.8305,-1.14301,-1502.5,7,2,1
"""
TRACKML_TRUTH = """hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight
1,0,-64.4116,-7.16412,-1502.5,250710,-149908,-956385,0
2,22525763437723648,-55.3385,0.630805,-1502.5,-0.570605,0.0283904,-15.4922,1.0e-05
3,0,-83.8281,-1.14558,-1502.5,626295,-169767,-760877,0
"""
TRACKML_PARTICLES = """particle_id,vx,vy,vz,px,py,pz,q,nhits
4503668346847232,-0.00928816,0.00986098,-0.0778789,-0.0552689,0.323272,-0.203492,-1,8
22525763437723648,0.0107807,0.0110012,-0.0781305,-0.570605,0.0283904,-15.4922,1,11
"""


@pytest.fixture(scope="module")
def tables(cms_event):
    return cms_event.to_tables()


def _assert_tables_equal(a, b):
    assert set(a) == set(b)
    for part in a:
        assert list(a[part]) == list(b[part]), part
        for col in a[part]:
            np.testing.assert_array_equal(a[part][col], b[part][col], err_msg=f"{part}.{col}")
            assert np.asarray(a[part][col]).dtype.kind == np.asarray(b[part][col]).dtype.kind


@pytest.mark.parametrize("fmt", ["parquet", "csv", "csv.gz"])
def test_round_trip(tmp_path, tables, fmt):
    paths = write_event(tables, tmp_path, 1000, fmt=fmt)
    assert paths["hits"].name == f"event000001000-hits.{fmt}"
    back = read_event(tmp_path, 1000)
    # %.17g in CSV and binary Parquet both reproduce float64 exactly
    _assert_tables_equal(tables, back)
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths.values())


def test_tables_are_consistent(tables):
    hits, truth, parts = tables["hits"], tables["truth"], tables["particles"]
    np.testing.assert_array_equal(hits["hit_id"], truth["hit_id"])
    np.testing.assert_array_equal(hits["hit_id"], np.arange(1, len(hits["hit_id"]) + 1))
    assert (truth["particle_id"] == 0).sum() == NOISE_HITS
    counts = {pid: int((truth["particle_id"] == pid).sum()) for pid in parts["particle_id"]}
    assert counts == dict(zip(parts["particle_id"].tolist(), parts["nhits"].tolist(), strict=True))


@pytest.mark.parametrize("compressed", [False, True])
def test_reads_trackml_csv_layout(tmp_path, compressed):
    suffix = ".csv.gz" if compressed else ".csv"
    for part, text in (("hits", TRACKML_HITS), ("truth", TRACKML_TRUTH),
                       ("particles", TRACKML_PARTICLES)):
        path = tmp_path / f"event000001000-{part}{suffix}"
        if compressed:
            with gzip.open(path, "wt") as fh:
                fh.write(text)
        else:
            path.write_text(text)
    event = read_event(tmp_path, 1000)
    hits, truth, parts = event["hits"], event["truth"], event["particles"]
    assert list(hits) == ["hit_id", "x", "y", "z", "volume_id", "layer_id", "module_id"]
    np.testing.assert_array_equal(hits["hit_id"], [1, 2, 3])
    assert hits["volume_id"].dtype == np.int64
    assert hits["x"].dtype == np.float64
    np.testing.assert_allclose(hits["y"], [-7.1637, 0.635342, -1.14301])
    # 17-digit particle ids must stay exact (they exceed float64's 2**53)
    assert truth["particle_id"][1] == 22525763437723648
    assert parts["particle_id"].tolist() == [4503668346847232, 22525763437723648]
    assert parts["q"].tolist() == [-1, 1]
    assert truth["weight"][1] == pytest.approx(1e-5)


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    write_table({"a": np.array([1, 2])}, path)
    before = path.read_text()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(dio.np, "savetxt", boom)
    with pytest.raises(OSError, match="disk full"):
        write_table({"a": np.array([3, 4])}, path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_io_errors(tmp_path, tables):
    with pytest.raises(InvalidInput, match="lacks column"):
        write_table({"hit_id": np.arange(3)}, tmp_path / "h.parquet", part="hits")
    with pytest.raises(InvalidInput, match="different lengths"):
        write_table({"a": np.arange(3), "b": np.arange(2)}, tmp_path / "x.csv")
    with pytest.raises(InvalidInput, match="unknown table format"):
        write_table({"a": np.arange(3)}, tmp_path / "x.txt")
    with pytest.raises(InvalidInput, match="no event000000007-hits"):
        read_event(tmp_path, 7)
    with pytest.raises(InvalidInput, match="unknown format"):
        write_event(tables, tmp_path, fmt="hdf5")
    empty = tmp_path / "empty.csv"
    write_table({"hit_id": np.zeros(0, dtype=np.int64), "x": np.zeros(0)}, empty)
    assert read_table(empty)["hit_id"].shape == (0,)


def test_written_files_get_the_usual_permissions(tmp_path):
    # atomic writes go through mkstemp (mode 0600); the final file gets 0666 & ~umask
    import os

    mask = os.umask(0o022)
    try:
        path = write_table({"a": np.arange(3)}, tmp_path / "t.csv")
        text = dio.write_text_atomic(tmp_path / "s.json", "{}")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
    assert text.stat().st_mode & 0o777 == 0o644
    assert text.read_text() == "{}"
