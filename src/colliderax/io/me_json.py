"""The JSON layout of MG5 matrix-element reference points (``shared/reference/mg5``).

Input: an object with ``"events": [{"momenta": [[E, px, py, pz], ...]}, ...]`` (other keys are
ignored), or a bare list of such events, or a bare list of momentum lists. Output: the same
layout with ``"me"`` per event and the process metadata.
"""

import json
import os
from pathlib import Path

import numpy as np

from colliderax.core.errors import InvalidInput
from colliderax.io.slha import write_text_atomic


def read_momenta(path: str | os.PathLike) -> np.ndarray:
    """Momenta ``[N, n, 4]`` (GeV) from a reference-style JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        msg = f"cannot read momenta file {path}: {exc.strerror}"
        raise InvalidInput(msg) from None
    except json.JSONDecodeError as exc:
        msg = f"momenta file {path} is not valid JSON (line {exc.lineno}: {exc.msg})"
        raise InvalidInput(msg) from None
    events = data.get("events") if isinstance(data, dict) else data
    if not isinstance(events, list) or not events:
        msg = f"momenta file {path} has no events: expected {{'events': [{{'momenta': ...}}]}}"
        raise InvalidInput(msg)
    rows = [e.get("momenta") if isinstance(e, dict) else e for e in events]
    try:
        momenta = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError):
        msg = f"momenta file {path}: every event needs the same number of [E, px, py, pz] lists"
        raise InvalidInput(msg) from None
    if momenta.ndim != 3 or momenta.shape[-1] != 4:
        msg = (
            f"momenta file {path}: expected events of [E, px, py, pz] lists, "
            f"got shape {momenta.shape}"
        )
        raise InvalidInput(msg)
    if not np.all(np.isfinite(momenta)):
        bad = int(np.argwhere(~np.isfinite(momenta))[0][0])
        msg = f"momenta file {path}: event {bad} has a NaN or infinite component"
        raise InvalidInput(msg)
    return momenta


def write_results(path: str | os.PathLike, metadata: dict, momenta: np.ndarray, me: np.ndarray):
    """Write metadata and per-event ``momenta``/``me`` atomically."""
    events = [
        {"event": i, "momenta": momenta[i].tolist(), "me": float(me[i])} for i in range(len(me))
    ]
    body = dict(metadata, n_events=len(events), events=events)
    text = json.dumps(body, indent=1, allow_nan=False) + "\n"
    write_text_atomic(path, text)
