"""Shared conventions: dtypes, devices, errors, progress."""

import jax
import numpy as np
import pytest

from colliderax.core import DeviceUnavailable, InvalidInput, progress_bar, real_dtype, select_device


def test_real_dtype():
    assert real_dtype("float64") == np.float64
    assert real_dtype("float32") == np.float32
    with pytest.raises(InvalidInput, match="unsupported dtype"):
        real_dtype("float16")


def test_x64_required_for_float64(monkeypatch):
    monkeypatch.setattr(jax.config, "read", lambda name: False)
    with pytest.raises(InvalidInput, match="enable_x64"):
        real_dtype("float64")


def test_device_selection(monkeypatch):
    assert select_device("cpu").platform == "cpu"
    with pytest.raises(InvalidInput, match="unknown device"):
        select_device("tpu9")
    if not any(d.platform == "gpu" for d in jax.devices()):
        with pytest.raises(DeviceUnavailable, match="--device cpu"):
            select_device("gpu")
    monkeypatch.setenv("COLLIDERAX_DEVICE", "cpu")
    assert select_device(None).platform == "cpu"


def test_progress_bar_counts(capsys):
    with progress_bar(10, "work", enabled=True, unit="ev") as bar:
        for _ in range(10):
            bar.advance(1)
    assert "work" in capsys.readouterr().err
    with progress_bar(10, "quiet", enabled=False) as bar:
        bar.advance(5)
    assert capsys.readouterr().err == ""


def test_compilation_cache_follows_the_environment(tmp_path, monkeypatch):
    from colliderax.core.cache import CACHE_ENV_VAR, enable_compilation_cache

    monkeypatch.setenv(CACHE_ENV_VAR, "")
    assert enable_compilation_cache() is None
    blocked = tmp_path / "file"
    blocked.write_text("x")
    monkeypatch.setenv(CACHE_ENV_VAR, str(blocked / "cache"))
    assert enable_compilation_cache() is None  # not a directory: the cache stays off
