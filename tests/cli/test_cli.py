"""The command line: help, version, error policy, and the me command."""

import json
import subprocess
import sys

import numpy as np
import pytest

from colliderax.cli import main


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_and_version(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "me" in out
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert "colliderax" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["me"],
        ["me", "g g > t t~", "--points", "0"],
        ["me", "g g > t t~", "--dtype", "float16"],
        ["me", "g g > t t~ x"],
        ["me", "p p > t t~"],
        ["me", "g g > t t~", "--sqrts", "300"],
        ["me", "g g > t t~", "--param-card", "/nonexistent/card.dat"],
        ["me", "g g > t t~, (t > b w+"],
        ["me", "g g > t t~, z > e+ e-"],
        ["integrate", "e+ e- > t t~, t > b w+", "--sqrts", "500", "--bwcutoff", "0"],
    ],
)
def test_user_errors_exit_2_with_one_line(args, capsys):
    code, _, err = run(args, capsys)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("colliderax: error: ")


def test_me_on_reference_points_writes_json(shared_dir, tmp_path, capsys):
    ref = shared_dir / "reference/mg5/sm_gg_ttx.json"
    out = tmp_path / "me.json"
    code, stdout, err = run(
        [
            "me",
            "g g > t t~",
            "--momenta",
            str(ref),
            "--param-card",
            str(shared_dir / "reference/mg5/sm_gg_ttx.param_card.dat"),
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    assert "off-shell" in err  # the reference tops are light-like: warned, still evaluated
    data = json.loads(out.read_text())
    expected = np.array([e["me"] for e in json.loads(ref.read_text())["events"]])
    got = np.array([e["me"] for e in data["events"]])
    assert np.max(np.abs(got / expected - 1)) < 1e-10
    assert "written" in stdout


def test_me_strict_refuses_off_shell_points(shared_dir, tmp_path, capsys):
    out = tmp_path / "me.json"
    code, _, err = run(
        [
            "me",
            "g g > t t~",
            "--momenta",
            str(shared_dir / "reference/mg5/sm_gg_ttx.json"),
            "--strict",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 2
    assert "off-shell" in err
    assert not out.exists()  # nothing half-written


def test_bad_momenta_files(tmp_path, capsys):
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"events": [{"momenta": [[1, 0, 0, 1]] * 5}]}))
    code, _, err = run(["me", "g g > t t~", "--momenta", str(wrong)], capsys)
    assert code == 2
    assert "5 momenta" in err
    nan = tmp_path / "nan.json"
    nan.write_text('{"events": [{"momenta": [[NaN, 0, 0, 1], [1,0,0,-1], [1,0,0,1], [1,0,0,-1]]}]}')
    code, _, err = run(["me", "g g > t t~", "--momenta", str(nan)], capsys)
    assert code == 2
    assert "NaN" in err


def test_entry_point_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "colliderax.cli", "me", "e+ e- > mu+ mu-", "--points", "5"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "e+ e- > mu+ mu-" in result.stdout
