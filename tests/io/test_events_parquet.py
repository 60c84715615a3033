"""Parquet event files: exact round trip (numpy and awkward), metadata, partial files."""

import numpy as np
import pytest

from colliderax.core.errors import InvalidInput
from colliderax.generation.events import scale_variation_group
from colliderax.io.events_parquet import (
    ParquetEventWriter,
    is_partial,
    load_events,
    read_run_info,
    write_events_parquet,
)
from tests.generation.events.samples import drell_yan_batch, run_info, ttbar_batch

FIELDS = ("pdg", "status", "mothers", "colour", "momenta", "mass", "helicity", "weight",
          "process_id", "scale", "mu_f", "mu_r", "alpha_s", "alpha_qed", "extra_weights")


def _info():
    return run_info(weight_groups=(scale_variation_group(pdf=230000),),
                    header_sections=(("colliderax_run", '{"seed": 1}'),))


def test_round_trip_is_exact_numpy(tmp_path):
    batch = drell_yan_batch(9, extra=True)
    path = write_events_parquet(tmp_path / "events.parquet", [batch[:4], batch[4:]], _info())
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]
    loaded = load_events(path, library="numpy")
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(loaded, name), getattr(batch, name), err_msg=name)
        assert getattr(loaded, name).dtype == getattr(batch, name).dtype
    assert loaded.extra_weight_ids == batch.extra_weight_ids
    assert read_run_info(path) == _info()
    assert not is_partial(path)


def test_awkward_view_has_one_record_per_event(tmp_path):
    ak = pytest.importorskip("awkward")
    batch = ttbar_batch(5)
    path = write_events_parquet(tmp_path / "tt.parquet", batch)
    events = load_events(path)
    assert len(events) == 5
    assert ak.to_list(events.pdg[0]) == [21, 21, 6, -6]
    np.testing.assert_array_equal(ak.to_numpy(events.px), batch.momenta[..., 1])
    np.testing.assert_array_equal(ak.to_numpy(events.weight), batch.weight)
    assert read_run_info(path) is None


def test_extra_weight_columns_are_named_by_id(tmp_path):
    batch = drell_yan_batch(3, extra=True)
    events = load_events(write_events_parquet(tmp_path / "e.parquet", batch, _info()))
    assert [f for f in events.fields if f.startswith("weight_")] == [
        f"weight_{i}" for i in ("1", "2", "3", "4", "5", "7", "9")]
    np.testing.assert_array_equal(events["weight_5"].to_numpy(), batch.extra_weights[:, 4])


def test_interrupted_run_leaves_a_valid_partial_file(tmp_path):
    path = tmp_path / "events.parquet"
    batch = drell_yan_batch(6, extra=True)
    with pytest.raises(KeyboardInterrupt), ParquetEventWriter(path, _info()) as writer:  # noqa: PT012
        writer.write(batch[:2])
        raise KeyboardInterrupt
    assert is_partial(path)
    assert len(load_events(path, library="numpy")) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]


def test_empty_file_and_errors(tmp_path):
    path = write_events_parquet(tmp_path / "empty.parquet", [], _info())
    assert len(load_events(path, library="numpy")) == 0
    writer = ParquetEventWriter(tmp_path / "x.parquet", _info())
    with pytest.raises(InvalidInput, match="extra weights"):
        writer.write(drell_yan_batch(2))
    writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.parquet"]
    with pytest.raises(InvalidInput, match="library"):
        load_events(path, library="pandas")
    with pytest.raises(InvalidInput, match="cannot read"):
        load_events(tmp_path / "missing.parquet")
