"""Issue 12, what a newcomer found: the split's size rule, R² on one row, predictions that
overflow or come from a broken or diverged model, missing cells filled from the training rows
only, a feature constant on the training rows, and the test rows numbered as in the file."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.cli import main
from core.data.split import split_rows
from core.errors import InputError
from core.evaluation.metrics import Evaluation, reading, regression_metrics
from core.evaluation.predictor import Predictor


def run_json(capsys, *argv: str) -> dict:
    assert main(["fit", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def refused(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1, out.err
    return out.err


@pytest.mark.parametrize(
    ("m", "fraction", "expected"), [(100, 0.07, 7), (10, 0.25, 3), (10, 0.05, 1)]
)
def test_the_test_set_has_the_ceiling_of_fraction_times_m_rows(m, fraction, expected):
    assert split_rows(m, fraction, 0).m_test == expected


def test_r2_of_one_row_is_not_defined():
    one = regression_metrics(np.array([3.0]), np.array([2.5]))
    assert math.isnan(one.r2) and one.rmse == pytest.approx(0.5)
    text = reading(Evaluation(one, one), "price ($1000s)")
    assert "on 1 unseen row " in text and "R² = not defined" in text


def test_huge_values_and_broken_models_are_refused(tmp_path, capsys):
    fit = run_json(capsys, "demo:housing", "--solver", "normal")
    model = tmp_path / "run.json"
    model.write_text(json.dumps(fit))
    err = refused(capsys, ["predict", "--model", str(model), "--x=1.7e308,3,1,-1.7e308"])
    assert "not a finite number" in err and "too large" in err
    err = refused(capsys, ["predict", "--model", str(model), "--x", "1_200,3,1,40"])
    assert "size (sq ft): '1_200' is not a number" in err
    broken = dict(fit["model"], coefficients=[None, 1, 2, 3])
    with pytest.raises(InputError, match=r"wrong type|not all finite"):
        Predictor.from_dict(broken)
    nan_model = dict(fit["model"], coefficients=[float("nan"), 1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="not all finite"):
        Predictor.from_dict(nan_model)
    square = run_json(capsys, "demo:housing", "--solver", "normal", "--degree", "2")
    model.write_text(json.dumps(square))
    err = refused(capsys, ["predict", "--model", str(model), "--x", "1e200,3,1,40"])
    assert "size (sq ft)" in err and "too large for this degree-2 model" in err


def test_a_diverged_run_saves_no_model(tmp_path, capsys):
    fit = run_json(capsys, "demo:housing", "--alpha", "5")
    assert fit["diverged"] and fit["model"] is None
    path = tmp_path / "div.json"
    path.write_text(json.dumps(fit))
    err = refused(capsys, ["predict", "--model", str(path), "--x", "1200,3,1,40"])
    assert "saved no model" in err and "diverged" in err


def test_predict_from_a_session_says_which_run(tmp_path, capsys):
    fit = run_json(capsys, "demo:housing", "--solver", "normal")
    session = {
        "format": "gd-explorer-session",
        "runs": [{"label": "first", "model": fit["model"]}, {"label": "second", "model": None}],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(session))
    assert main(["predict", "--model", str(path), "--x", "1200,3,1,40"]) == 0
    assert "run 1 of 2 ('first')" in capsys.readouterr().out


def _missing_csv(tmp_path):
    rng = np.random.default_rng(7)
    m = 40
    area = rng.uniform(50, 150, m).round(1)
    region = rng.choice(["east", "north", "south"], m)
    price = (2 * area + rng.normal(0, 5, m)).round(1)
    holes = [3, 11, 17, 25, 33]
    lines = ["area,region,price"]
    for i in range(m):
        a = "" if i in holes[:3] else f"{area[i]}"
        r = "" if i in holes[3:] else region[i]
        lines.append(f"{a},{r},{price[i]}")
    path = tmp_path / "holes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, area, region, holes


def test_missing_cells_are_filled_from_the_training_rows_only(tmp_path, capsys):
    path, area, region, holes = _missing_csv(tmp_path)
    r = run_json(
        capsys, str(path), "--categorical", "region", "--missing", "mean", "--solver",
        "normal", "--test-fraction", "0.3", "--seed", "4",
    )  # fmt: skip
    test = set(r["split"]["test_rows"])
    train = [i for i in range(40) if i not in test]
    known_area = [i for i in train if i not in holes[:3]]
    assert r["data"]["fill_values"]["area"] == pytest.approx(area[known_area].mean(), rel=1e-12)
    assert r["data"]["fill_values"]["area"] != pytest.approx(
        np.delete(area, holes[:3]).mean(), rel=1e-9
    )  # not every row's mean
    levels, counts = np.unique(region[[i for i in train if i not in holes[3:]]], return_counts=True)
    assert r["data"]["fill_values"]["region"] == levels[int(np.argmax(counts))]
    assert r["data"]["fill_values_from"] == "training rows"


def test_a_level_seen_only_in_the_test_set_is_named(tmp_path, capsys):
    m, fraction, seed = 30, 0.3, 5
    only_test = int(split_rows(m, fraction, seed).test_rows[0])
    lines = ["x,region,y"]
    for i in range(m):
        lines.append(f"{i},{'west' if i == only_test else 'north' if i % 2 else 'south'},{2 * i}")
    path = tmp_path / "west.csv"
    path.write_text("\n".join(lines) + "\n")
    err = refused(
        capsys,
        ["fit", str(path), "--categorical", "region", "--test-fraction", str(fraction),
         "--seed", str(seed), "--solver", "normal"],
    )  # fmt: skip
    assert "'region=west' is constant on the 21 training rows" in err and "seed 5" in err


def test_test_rows_are_also_numbered_as_in_the_table(tmp_path, capsys):
    path, *_ = _missing_csv(tmp_path)
    r = run_json(
        capsys, str(path), "--categorical", "region", "--missing", "drop", "--solver",
        "normal", "--test-fraction", "0.25", "--seed", "1",
    )  # fmt: skip
    kept = [i for i in range(40) if i not in r["data"]["dropped_rows"]]
    assert r["split"]["test_table_rows"] == [kept[k] for k in r["split"]["test_rows"]]


def test_a_diverged_fit_reports_no_errors(capsys):
    fit = run_json(capsys, "demo:housing", "--alpha", "5", "--test-fraction", "0.2")
    assert fit["diverged"] and fit["metrics"] is None and "diverged" in fit["reading"]
    assert main(["fit", "demo:housing", "--alpha", "5", "--test-fraction", "0.2"]) == 0
    text = capsys.readouterr().out
    assert "RMSE" not in text and "no errors to report" in text


def test_a_coefficient_written_as_text_is_refused(capsys):
    fit = run_json(capsys, "demo:housing", "--solver", "normal")
    with pytest.raises(InputError, match="wrong type"):
        Predictor.from_dict(dict(fit["model"], coefficients=["1", 2.0, 3.0, 4.0]))


def test_r2_of_one_test_row_is_a_dash_in_the_text_table(capsys):
    argv = ["fit", "demo:synthetic", "--m", "10", "--test-fraction", "0.05", "--solver", "normal"]
    assert main(argv) == 0
    r2_line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.strip().startswith("R²"))
    assert r2_line.split()[-1] == "—" and "nan" not in r2_line
