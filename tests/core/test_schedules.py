"""The schedules by hand: the first rates of each kind from torch's formulas, what is
refused and how, session files old and new, the exported source.  (Against torch
itself: test_schedule_parity.py.)"""

import copy
import json
import math
import pickle
import re

import numpy as np
import pytest

from gdsim.core.schedules import SCHEDULES, SPECS, Schedule, ScheduleError, schedule_source

C = math.cos


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (Schedule(), [1.0, 1.0, 1.0]),
        (Schedule("step", step_size=2, gamma=0.5), [1.0, 1.0, 0.5, 0.5, 0.25]),
        # milestone 3 twice: × gamma ** 2 at update 3
        (Schedule("multistep", milestones=(3, 1, 3), gamma=0.5), [1.0, 0.5, 0.5, 0.125, 0.125]),
        (Schedule("multistep", milestones=(0,), gamma=0.5), [0.5, 0.5]),
        (Schedule("exponential", gamma=0.5), [1.0, 0.5, 0.25]),
        # the recursion: × (1 + cos(πe/T)) / (1 + cos(π(e−1)/T)); after the trough it climbs
        # by (1 − cos(π/T)) / 2
        (
            Schedule("cosine", t_max=2),
            [1.0, (1 + C(math.pi / 2)) / 2, 0.0, 0.0 + (1 - C(math.pi / 2)) / 2, 1.0],
        ),
        (
            Schedule("cosine-restarts", t_0=2, t_mult=2),
            [
                1.0,
                (1 + C(math.pi / 2)) / 2,
                1.0,
                (1 + C(math.pi / 4)) / 2,
                (1 + C(math.pi / 2)) / 2,
                (1 + C(3 * math.pi / 4)) / 2,
                1.0,
            ],
        ),
        (
            Schedule("linear", start_factor=0.5, end_factor=1.0, total_iters=2),
            [0.5, 0.5 * (1 + 0.5 / 1.0), 0.75 * (1 + 0.5 / 1.5), 1.0],
        ),
        (Schedule("polynomial", total_iters=2, power=2.0), [1.0, 0.25, 0.0, 0.0]),
        # initial 1/4, peak 1 at update 1 (pct_start·10 − 1), then a line to 1/4/2 at 9
        (
            Schedule(
                "onecycle",
                max_lr=1.0,
                total_steps=10,
                pct_start=0.2,
                div_factor=4.0,
                final_div_factor=2.0,
                anneal_strategy="linear",
            ),
            [0.25, 1.0, (0.125 - 1.0) / 8 + 1.0],
        ),
        (
            Schedule("cyclic", base_lr=0.0, max_lr=1.0, step_size_up=2),
            [0.0, 0.5, 1.0, 0.5, 0.0, 0.5],
        ),
        (
            Schedule("cyclic", base_lr=0.0, max_lr=1.0, step_size_up=2, mode="triangular2"),
            [0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5],
        ),
        (
            Schedule("cyclic", base_lr=0.0, max_lr=1.0, step_size_up=1, step_size_down=3),
            [0.0, 1.0, 2 / 3, 1 / 3, 0.0],
        ),
        # warm-up .5 → .75, the cosine restarts at lr in its closed form, then recurses
        (
            Schedule("warmup-cosine", warmup_steps=2, start_factor=0.5, t_max=2),
            [0.5, 0.75, 1.0, (1 + C(math.pi / 2)) / 2, 0.0],
        ),
    ],
    ids=lambda v: v.describe() if isinstance(v, Schedule) else "",
)
def test_first_rates_by_hand(schedule, expected):
    assert schedule.lrs(1.0, len(expected)) == pytest.approx(expected, rel=1e-15, abs=1e-16)


def test_onecycle_and_cyclic_set_their_own_rates_and_momenta():
    one = Schedule("onecycle", max_lr=1.0, total_steps=10, pct_start=0.2, div_factor=4.0)
    assert one.lrs(123.0, 3) == one.lrs(1e-9, 3)  # the optimizer's lr is not used
    lin = Schedule("onecycle", total_steps=10, pct_start=0.2, anneal_strategy="linear")
    assert lin.momenta(0.0, 3) == pytest.approx([0.95, 0.85, (0.95 - 0.85) / 8 + 0.85])
    cyc = Schedule("cyclic", base_lr=0.0, max_lr=1.0, step_size_up=2)
    assert cyc.momenta(0.0, 5) == pytest.approx([0.9, 0.85, 0.8, 0.85, 0.9])
    assert Schedule("cyclic", cycle_momentum=False).momenta(0.9, 5) is None
    assert Schedule("cosine").momenta(0.9, 5) is None


def test_onecycle_refuses_to_step_past_total_steps_and_empty_phases():
    s = Schedule("onecycle", total_steps=10)
    assert len(s.lrs(0.1, 11)) == 11  # updates 0..10: torch steps 10 times
    with pytest.raises(ScheduleError, match="total_steps is 10"):
        s.lrs(0.1, 12)
    with pytest.raises(ScheduleError, match="leaves a phase with no updates"):
        Schedule("onecycle", total_steps=10, pct_start=0.1)  # phase 1 ends at update 0


def test_plateau_by_hand():
    s = Schedule("plateau", patience=1, factor=0.5)
    assert s.depends_on_loss and not Schedule("step").depends_on_loss
    one = s.plateau_stepper(1.0)
    assert [one.step(v) for v in (3, 2, 2, 2, 2, 1)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    many = s.plateau_stepper(1.0, runs=2)
    rows = [many.step(np.array([v, -v])) for v in (3, 2, 2, 2)]  # run 2 gets worse at once
    assert [r.tolist() for r in rows] == [[1.0, 1.0], [1.0, 1.0], [1.0, 0.5], [0.5, 0.5]]
    floor = Schedule("plateau", patience=0, factor=0.5, min_lr=0.3).plateau_stepper(1.0)
    assert [floor.step(1.0) for _ in range(4)] == [1.0, 0.5, 0.3, 0.3]
    with pytest.raises(ValueError, match="plateau depends on the loss"):
        s.lrs(0.1, 5)
    with pytest.raises(ScheduleError, match="does not depend on the loss"):
        Schedule("step").plateau_stepper(0.1)


def test_defaults_attributes_and_equality():
    s = Schedule("step")
    assert (s.step_size, s.gamma) == (30, 0.5)  # gdsim's, saved sessions rely on them
    assert Schedule("multistep").gamma == 0.1  # torch's
    assert Schedule("cosine", t_max=300).t_max == 300 and Schedule("cosine").eta_min == 0.0
    assert Schedule("cosine-restarts", t_0=5).t_0 == 5
    assert Schedule("linear").start_factor == 1.0 / 3
    assert Schedule("cyclic").step_size_down is None
    assert Schedule("multistep", milestones="80, 30").milestones == (30, 80)
    assert Schedule("step", step_size=30) == Schedule("step")
    assert len({Schedule("step"), Schedule("step", gamma=0.5), Schedule()}) == 2
    assert copy.deepcopy(s) == s and pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(AttributeError):
        s.t_0  # noqa: B018
    with pytest.raises(AttributeError):
        s.gamma = 0.1
    assert repr(s) == "Schedule('step', step_size=30, gamma=0.5)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "step", "t_0": 3}, "t_0 does not apply to the step schedule (it takes: "),
        ({"kind": "constant", "gamma": 0.5}, "gamma does not apply to the constant schedule"),
        ({"kind": "step", "bogus": 1}, "unknown schedule parameter 'bogus'"),
        ({"kind": "weird"}, "unknown schedule 'weird'; choose one of: constant, step"),
        ({"kind": 3}, "unknown schedule 3"),
        ({"kind": "step", "gamma": 2.0}, "gamma must be in (0, 1], got 2.0"),
        ({"kind": "step", "gamma": "0.5"}, "gamma must be a number, got '0.5'"),
        ({"kind": "step", "gamma": True}, "gamma must be a number"),
        ({"kind": "step", "gamma": math.nan}, "gamma must be a finite number"),
        ({"kind": "step", "gamma": 10**400}, "gamma must be a number, got 1000"),
        ({"kind": "step", "step_size": 2.5}, "step_size must be a whole number, got 2.5"),
        ({"kind": "step", "step_size": 3.0}, "step_size must be a whole number, got 3.0"),
        ({"kind": "step", "step_size": True}, "step_size must be a whole number, got True"),
        ({"kind": "step", "step_size": "3"}, "step_size must be a whole number"),
        ({"kind": "step", "step_size": 0}, "step_size must be a whole number in [1, 1000000]"),
        ({"kind": "step", "step_size": 10**30}, "step_size must be a whole number in"),
        ({"kind": "step", "step_size": 10**5000}, "got a number too large to write"),
        ({"kind": "cosine", "t_max": -1}, "t_max must be a whole number in [1, "),
        ({"kind": "cosine", "eta_min": -1e-3}, "eta_min must be in [0, ∞)"),
        ({"kind": "multistep", "milestones": ()}, "milestones must be whole numbers in [0, "),
        ({"kind": "multistep", "milestones": "3,x"}, "milestones must be whole numbers"),
        ({"kind": "multistep", "milestones": [1, True]}, "milestones must be a whole number"),
        ({"kind": "multistep", "milestones": [1, -2]}, "milestones must be whole numbers in"),
        ({"kind": "multistep", "milestones": 5}, "milestones must be whole numbers"),
        ({"kind": "onecycle", "anneal_strategy": "exp"}, "one of: cos, linear; got 'exp'"),
        ({"kind": "onecycle", "three_phase": "yes"}, "three_phase must be true or false"),
        ({"kind": "cyclic", "mode": "min"}, "mode must be one of: triangular, triangular2"),
        ({"kind": "cyclic", "step_size_down": -1}, "step_size_down must be a whole number in"),
        ({"kind": "plateau", "mode": "triangular"}, "mode must be one of: min, max"),
        ({"kind": "plateau", "factor": 1.0}, "factor must be in [0, 1)"),
        ({"kind": "linear", "start_factor": 0.0}, "start_factor must be in (0, 1]"),
    ],
)
def test_refusals_are_one_line_schedule_errors(kwargs, message):
    with pytest.raises(ScheduleError) as e:
        Schedule(**kwargs)
    text = str(e.value)
    assert text.startswith(message) or message in text
    assert "\n" not in text and len(text) < 200


@pytest.mark.parametrize("kind", SCHEDULES)
def test_to_dict_from_dict_round_trip(kind):
    s = Schedule(kind)
    d = s.to_dict()
    assert d["kind"] == kind and set(d) == {"kind", *SPECS[kind].names}
    assert Schedule.from_dict(d) == s
    assert Schedule.from_dict(json.loads(json.dumps(d))) == s


def test_old_session_format_is_read():
    old = {"kind": "cosine", "step_size": 30, "gamma": 0.5, "t_max": 300, "eta_min": 0.01}
    s = Schedule.from_dict(old)
    assert s == Schedule("cosine", t_max=300, eta_min=0.01)
    assert s.to_dict() == {"kind": "cosine", "t_max": 300, "eta_min": 0.01}
    old = {"kind": "constant", "step_size": 30, "gamma": 0.5, "t_max": 100, "eta_min": 0.0}
    assert Schedule.from_dict(old) == Schedule()
    assert Schedule.from_dict({}) == Schedule()
    assert Schedule.from_dict({"kind": "linear", "t_max": 5}).kind == "linear"


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ([1], "a schedule is a mapping"),
        ({"kind": "constant", "t_max": {}}, "t_max must be a whole number"),  # checked, unused
        ({"kind": "step", "gamma": ""}, "gamma must be a number"),
        ({"kind": "step", "T_0": 3}, "unknown schedule parameter 'T_0'"),
        ({"kind": "step", "t_0": 3}, "t_0 does not apply to the step schedule"),
        ({"kind": ["step"]}, "unknown schedule ['step']"),
        ({"kind": "step", 3: 1}, "a schedule's names must be strings"),
        ({"kind": "multistep", "milestones": [[1]]}, "milestones must be a whole number"),
        ({"kind": "cyclic", "step_size_down": "none"}, "step_size_down must be a whole number"),
        ({"kind": "onecycle", "total_steps": None}, "total_steps must be a whole number"),
        ({"kind": "plateau", "eps": -1}, "eps must be in [0, ∞)"),
    ],
)
def test_hostile_session_values_raise_only_schedule_error(d, message):
    with pytest.raises(ScheduleError, match="^" + re.escape(message)):
        Schedule.from_dict(d)


def test_torch_source_and_describe():
    assert Schedule().torch_source() == "" and Schedule().describe() == "constant"
    assert Schedule("multistep", milestones=(30, 80), gamma=0.5).torch_source() == (
        "torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[30, 80], gamma=0.5)"
    )
    assert Schedule("cosine-restarts", t_0=7).torch_source("o") == (
        "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=1, eta_min=0.0)"
    )
    assert Schedule("warmup-cosine", warmup_steps=3).torch_source() == (
        "torch.optim.lr_scheduler.SequentialLR(opt, schedulers=["
        "torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.3333333333333333, "
        "total_iters=3), torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100, "
        "eta_min=0.0)], milestones=[3])"
    )
    assert "step_size_down=None" in Schedule("cyclic").torch_source()
    assert Schedule("cosine").describe() == "cosine, T_max 100"
    assert Schedule("step", gamma=0.1).describe() == "step, step_size 30, gamma 0.1"
    assert Schedule("onecycle", three_phase=True).describe() == (
        "onecycle, max_lr 0.1, three_phase on"
    )


CASES = [
    Schedule(),
    Schedule("step", step_size=7, gamma=0.3),
    Schedule("multistep", milestones=(0, 5, 5, 30)),
    Schedule("exponential", gamma=0.97),
    Schedule("cosine", t_max=37, eta_min=1e-4),
    Schedule("cosine-restarts", t_0=13, t_mult=2),
    Schedule("linear", start_factor=0.1, end_factor=0.7, total_iters=40),
    Schedule("polynomial", total_iters=30, power=2.5),
    Schedule("onecycle", total_steps=300, three_phase=True),
    Schedule("cyclic", step_size_up=20, mode="exp_range", gamma=0.99),
    Schedule("warmup-cosine", warmup_steps=20, t_max=50),
]


@pytest.mark.parametrize("schedule", CASES, ids=lambda s: s.describe())
def test_schedule_source_computes_the_same_rates_bit_for_bit(schedule):
    namespace = {}
    exec(compile("import math\n" + schedule_source(schedule), "script", "exec"), namespace)
    lrs, momenta = namespace["schedule"](0.05, 300)
    assert lrs == schedule.lrs(0.05, 300)
    assert momenta == schedule.momenta(0.9, 300)


def test_plateau_source_is_the_scalar_stepper():
    s = Schedule("plateau", patience=2, cooldown=1, factor=0.5)
    namespace = {}
    exec(compile("import math\n" + schedule_source(s), "script", "exec"), namespace)
    theirs, ours = namespace["plateau_stepper"](0.1), s.plateau_stepper(0.1)
    losses = [5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3]
    assert [theirs.step(v) for v in losses] == [ours.step(v) for v in losses]
