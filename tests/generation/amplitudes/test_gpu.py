"""The same source on a CUDA GPU gives the CPU's |M|² (skipped without a GPU)."""

import jax
import numpy as np
import pytest

from colliderax.generation.amplitudes import compile_matrix_element
from colliderax.generation.phasespace import two_to_n

pytestmark = pytest.mark.gpu


def _gpus():
    try:
        return jax.devices("gpu")
    except RuntimeError:
        return []


@pytest.mark.skipif(not _gpus(), reason="no GPU")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gpu_matches_cpu(dtype):
    p, _ = two_to_n(jax.random.key(0), 256, 1500.0, [173.0, 173.0, 0.0])
    (sub,) = compile_matrix_element("g g > t t~ g", dtype=dtype).subprocesses
    cpu = np.asarray(sub(jax.device_put(p, jax.devices("cpu")[0])))
    gpu = np.asarray(sub(jax.device_put(p, _gpus()[0])))
    # Different reduction orders and FMA contraction on the GPU: rounding-level differences.
    np.testing.assert_allclose(gpu, cpu, rtol=1e-12 if dtype == "float64" else 1e-4)
