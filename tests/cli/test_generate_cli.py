"""The integrate and generate commands: results, files, reproducibility, one-line errors."""

import json
import os

import numpy as np
import pytest

from colliderax.cli import main
from colliderax.io.events_parquet import load_events
from colliderax.io.lhe import read_lhe


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_integrate_writes_the_summary(tmp_path, capsys):
    code, out, _ = run(["integrate", "e+ e- > mu+ mu-", "--sqrts", "200", "--precision", "0.003",
                        "--no-cuts", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "sigma" in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["error_pb"] <= 0.003 * summary["sigma_pb"]
    assert summary["settings"]["beams"] == "ee"
    assert summary["settings"]["scale"]["kind"] == "mg5:-1"
    assert summary["subprocesses"][0]["name"] == "e+ e- > mu+ mu-"


def test_generate_writes_events_and_is_reproducible(tmp_path, capsys):
    args = ["generate", "e+ e- > mu+ mu-", "--sqrts", "91.188", "--events", "300", "--seed", "5",
            "--no-plots", "--precision", "0.01"]
    code, out, _ = run([*args, "--out", str(tmp_path / "a")], capsys)
    assert code == 0, out
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["events"] == 300
    assert not summary["partial"]
    contents = read_lhe(tmp_path / "a" / "events.lhe.gz")
    assert len(contents.events) == 300
    assert contents.events.weight.sum() == pytest.approx(summary["sigma_pb"], rel=1e-12)
    contents.events.validate()
    # Helicities drawn ∝ |M_λ|²: a vector couples opposite helicities of massless e+e- and μ+μ-
    h = contents.events.helicity
    np.testing.assert_array_equal(h[:, 0], -h[:, 1])
    np.testing.assert_array_equal(h[:, 2], -h[:, 3])
    assert {-1, 1} <= set(h[:, 2].tolist())
    code, _, _ = run([*args, "--out", str(tmp_path / "b")], capsys)
    assert code == 0
    a = load_events(tmp_path / "a" / "events.parquet", library="numpy")
    b = load_events(tmp_path / "b" / "events.parquet", library="numpy")
    np.testing.assert_array_equal(a.momenta, b.momenta)  # same seed, same events
    np.testing.assert_array_equal(a.colour, b.colour)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "0"], "--events"),
        (["--events", "10", "--unweight-tolerance", "2"], "tolerance"),
        (["--events", "10", "--cut", "ptj"], "NAME=VALUE"),
        (["--events", "10", "--cut", "ptjj=3"], "unknown cut"),
        (["--events", "10", "--scale", "banana"], "scale"),
        (["--events", "10", "--mur-factor", "-1"], "mur_factor"),
        (["--events", "10", "--pdf", "NoSuchSet"], "NoSuchSet"),
    ],
)
def test_generate_rejects_bad_input_in_one_line(tmp_path, capsys, args, message):
    out_dir = tmp_path / "out"
    code, _, err = run(["generate", "p p > t t~", "--sqrts", "13000", *args,
                        "--out", str(out_dir)], capsys)
    assert code == 2
    assert err.startswith("colliderax: error:")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out_dir.exists()  # nothing half-written


def test_generate_rejects_an_unusable_output_directory(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = run(["generate", "p p > t t~", "--sqrts", "13000", "--events", "5",
                        "--out", str(target)], capsys)
    assert code == 2
    assert "not a directory" in err
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _, err = run(["generate", "p p > t t~", "--sqrts", "13000", "--events", "5",
                            "--out", str(locked / "x")], capsys)
        assert code == 2
        assert "not writable" in err


def test_integrate_rejects_energy_below_threshold(capsys):
    code, _, err = run(["integrate", "p p > t t~", "--sqrts", "300"], capsys)
    assert code == 2
    assert "threshold" in err


def test_integrate_reads_an_mg5_run_card(tmp_path, capsys):
    from colliderax.io.run_card import RunCard, write_run_card

    card = RunCard().with_values(lpp1=0, lpp2=0, ebeam1=100.0, ebeam2=100.0, ptl=0, etal=-1,
                                 drll=0, iseed=7, dynamical_scale_choice=4, sde_strategy=1)
    write_run_card(card, tmp_path / "run_card.dat")
    code, _, _ = run(["integrate", "e+ e- > mu+ mu-", "--run-card", str(tmp_path / "run_card.dat"),
                      "--precision", "0.01", "--out", str(tmp_path / "out")], capsys)
    assert code == 0
    settings = json.loads((tmp_path / "out" / "summary.json").read_text())["settings"]
    assert settings["beams"] == "ee"
    assert settings["sqrts_gev"] == 200.0
    assert settings["seed"] == 7
    assert settings["cuts"]["ptl"] == 0.0
    assert settings["scale"]["kind"] == "mg5:4"
    assert settings["channel_weights"] == "amplitudes"


def test_integrate_rejects_an_unknown_sde_strategy(tmp_path, capsys):
    from colliderax.io.run_card import RunCard, write_run_card

    write_run_card(RunCard().with_values(sde_strategy=3), tmp_path / "run_card.dat")
    code, _, err = run(["integrate", "p p > t t~", "--run-card", str(tmp_path / "run_card.dat")],
                       capsys)
    assert code == 2
    assert "sde_strategy" in err
    assert len(err.strip().splitlines()) == 1
