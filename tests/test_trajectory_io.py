"""Trajectory files read back with the standard library's readers."""

import csv
import io

from gdsim.core.simulation import RunConfig, simulate
from gdsim.io.trajectory_io import trajectories_csv


def test_run_names_with_commas_and_quotes_survive_a_csv_reader():
    traj = simulate(RunConfig("parabola", "gd", {"lr": 0.1}, (5.0,), max_steps=3))
    names = ['α = 0.1, "slow"', "plain"]
    text = trajectories_csv([(n, traj) for n in names], ["x"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "run"
    assert [r[0] for r in rows[1:]] == [names[0]] * 4 + [names[1]] * 4
    assert all(len(r) == len(rows[0]) for r in rows)
