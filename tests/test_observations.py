"""cnnatlas.observations: observations recorded, bounded ones asserted, the sweep's JSON lines, the seed knob."""

from __future__ import annotations

import json

import pytest

import cnnatlas
from cnnatlas.observations import MODE_ENV, OBSERVATIONS_ENV, Observation, ObservationError, observe, recorded
from cnnatlas.train import SEED_ENV, TrainConfig, build_seed


def test_an_unbounded_observation_is_recorded_and_returned() -> None:
    assert observe("gap between two nets", -0.25) == -0.25
    last = recorded()[-1]
    assert (last.name, last.value, last.margin, last.holds) == ("gap between two nets", -0.25, None, True)
    assert last.source == "test_observations.py"


@pytest.mark.parametrize(
    ("value", "bounds", "margin"),
    [
        (0.93, {"at_least": 0.9}, 0.03),
        (0.2, {"at_most": 0.5}, 0.3),
        (0.4, {"at_least": 0.1, "at_most": 0.5}, 0.1),
    ],
)
def test_a_value_within_its_bounds_passes_with_its_margin(value, bounds, margin) -> None:
    assert observe("x", value, **bounds) == value
    assert recorded()[-1].margin == pytest.approx(margin)


def test_a_value_past_its_bound_raises_naming_value_and_bound() -> None:
    with pytest.raises(ObservationError, match=r"LeNet accuracy: measured 0.87, expected at least 0.88"):
        observe("LeNet accuracy", 0.87, at_least=0.88)
    with pytest.raises(ObservationError, match=r"expected at most 1"):
        observe("ratio", 1.5, at_most=1.0)
    assert isinstance(ObservationError("x"), AssertionError)  # a failed check, as an assert would be


def test_record_mode_and_the_sweeps_json_lines(tmp_path, monkeypatch) -> None:
    target = tmp_path / "observations.jsonl"
    monkeypatch.setenv(OBSERVATIONS_ENV, str(target))
    monkeypatch.setenv(MODE_ENV, "record")
    assert observe("accuracy", 0.5, at_least=0.9) == 0.5  # recorded, not raised
    observe("speed ratio", 1.25)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [Observation(**row).holds for row in rows] == [False, True]
    assert rows[0] == {
        "name": "accuracy",
        "value": 0.5,
        "at_least": 0.9,
        "at_most": None,
        "source": "test_observations.py",
    }


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("", 1.0), {}, ValueError, "name: expected a non-empty string"),
        (("x", "0.5"), {}, TypeError, r"value: expected a number, got .0\.5. \(str\)"),
        (("x", float("nan")), {}, ValueError, "value: expected a finite number"),
        (("x", 0.5), {"at_least": None, "at_most": "1"}, TypeError, "at_most: expected a number"),
        (
            ("x", 0.5),
            {"at_least": 0.9, "at_most": 0.1},
            ValueError,
            r"at_least \(0.9\) must not exceed at_most \(0.1\)",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_is_recorded(args, kwargs, error, message) -> None:
    before = len(recorded())
    with pytest.raises(error, match=message):
        observe(*args, **kwargs)
    assert len(recorded()) == before


def test_the_build_seed_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv(SEED_ENV, raising=False)
    assert build_seed() == 0 == TrainConfig().seed
    monkeypatch.setenv(SEED_ENV, " 3 ")
    assert build_seed() == 3 == TrainConfig().seed == cnnatlas.build_seed()
    assert TrainConfig(seed=5).seed == 5  # an explicit seed still wins
    for bad in ("-1", "one", "1.5", str(2**64)):
        monkeypatch.setenv(SEED_ENV, bad)
        with pytest.raises(ValueError, match=f"{SEED_ENV}: expected a whole number from 0 to"):
            build_seed()
