"""The window on the screens classrooms have, as a class meets it: a fresh X server of
that size with a window manager (openbox), no saved settings, the real ``gdsim`` started
with ``--smoke-test --report``; the report says where every part is and which texts
do not fit."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("openbox")),
    reason="needs Xvfb and openbox (make test installs them)",
)

SCREENS = {  # name: (width, height, QT_SCALE_FACTOR)
    "1024x768": (1024, 768, 1),
    "1280x800": (1280, 800, 1),
    "1920x1080": (1920, 1080, 1),
    "3840x2160@2x": (3840, 2160, 2),
    "3840x2160": (3840, 2160, 1),  # a 4K panel left at 100 %
}
MODES = ("normal", "fullscreen", "projector")
PLOTS = ("map", "surface3d", "loss", "data")


class Display:
    """Xvfb on a free display number, with openbox managing its windows."""

    def __init__(self, width: int, height: int):
        n = 140
        while Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
            n += 1
        self.name = f":{n}"
        self.xvfb = subprocess.Popen(
            ["Xvfb", self.name, "-screen", "0", f"{width}x{height}x24", "+extension", "GLX",
             "+render", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{n}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        env = {**os.environ, "DISPLAY": self.name}
        self.wm = subprocess.Popen(
            ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(0.5)

    def close(self) -> None:
        for p in (self.wm, self.xvfb):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def displays():
    opened: dict[str, Display] = {}

    def get(name: str) -> Display:
        if name not in opened:
            w, h, _scale = SCREENS[name]
            opened[name] = Display(w, h)
        return opened[name]

    yield get
    for d in opened.values():
        d.close()


def report(display: Display, tmp_path, scale: int, *args) -> dict:
    out = tmp_path / "report.json"
    config = tmp_path / "config"  # a first start: nothing remembered
    config.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DISPLAY": display.name,
        "XDG_CONFIG_HOME": str(config),
        "QT_SCALE_FACTOR": str(scale),
    }
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "gdsim", "--smoke-test", "--report", str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def check_layout(r: dict, mode: str) -> None:
    sw, sh = r["screen"]
    ox, oy = r["screen_origin"]
    parts = r["parts"]

    def on_screen(rect):
        x, y, w, h = rect
        return x >= ox - 1 and y >= oy - 1 and x + w <= ox + sw + 1 and y + h <= oy + sh + 1

    assert on_screen(r["window"]), f"the window {r['window']} is larger than the screen"
    shown = ["map", "loss", "timeline", "legend", "toolbar", "lesson_text"]
    if r["surface"]["dim"] == 2:
        shown.append("surface3d")
    if mode != "projector":
        shown += ["controls", "runs"]
    for name in shown:
        assert parts[name]["visible"], f"{name} is not shown"
    for name, part in parts.items():
        if part["visible"]:
            assert on_screen(part["rect"]), f"{name} {part['rect']} is off the screen"
    area = 0
    for name in PLOTS:
        if parts[name]["visible"]:
            _x, _y, w, h = parts[name]["rect"]
            assert w >= 280 and h >= 180, f"{name} is only {w}×{h}"
            area += w * h
    share = area / (sw * sh)
    assert share >= (0.65 if mode == "projector" else 0.40), f"the plots take {share:.0%}"
    assert r["cut_text"] == [], r["cut_text"]


@pytest.mark.parametrize("mode", MODES)
# (on a 4K panel at 100 % the 1600 × 1000 window is a desktop's window among others;
# projector mode is what fills it: its own test below)
@pytest.mark.parametrize("screen", [s for s in SCREENS if s != "3840x2160"])
def test_the_window_fits_every_classroom_screen(displays, tmp_path, screen, mode):
    flags = {"normal": [], "fullscreen": ["--fullscreen"], "projector": ["--projector"]}[mode]
    r = report(displays(screen), tmp_path, SCREENS[screen][2], *flags)
    if mode == "normal":  # maximised where the preferred 1600 × 1000 does not fit
        assert r["mode"] == ("maximized" if screen in ("1024x768", "1280x800") else "normal")
    else:
        assert r["mode"] == mode
    if screen == "3840x2160@2x":
        assert r["dpr"] == 2.0 and r["screen"] == [1920, 1080]
    check_layout(r, mode)
    if mode == "projector":
        assert parts_folded(r)


def test_projector_mode_on_a_4k_panel_at_100_percent_is_sized_as_on_1080p(displays, tmp_path):
    """On a 4K panel left at 100 % projector mode's text, toolbar and timeline are twice
    as tall as on a 1080p one (they were as many pixels: half the size from the back
    row), and the window still fits."""
    parts = {}
    for screen in ("1920x1080", "3840x2160"):
        r = report(displays(screen), tmp_path, 1, "--projector")
        check_layout(r, "projector")
        parts[screen] = r["parts"]
    heights = {
        name: (parts["1920x1080"][name]["rect"][3], parts["3840x2160"][name]["rect"][3])
        for name in ("lesson_text", "toolbar", "timeline")
    }
    for name, (small, big) in heights.items():
        assert 1.6 * small <= big <= 2.3 * small, (name, small, big)


def parts_folded(r: dict) -> bool:
    """The lesson text is folded to its title line: one line of text high."""
    return r["parts"]["lesson_text"]["rect"][3] < 60


@pytest.mark.parametrize("mode", ("normal", "projector"))
@pytest.mark.parametrize(
    "preset",
    [
        "rosenbrock-race",
        "line-fit",
        "marbles",
        "three-rates",
        "edge-of-stability",
        "adam-by-hand",
        "adam-cousins",
        "lbfgs-rosenbrock",
        "schedules-side-by-side",
        "newton-saddle",
    ],
)
def test_busy_lessons_fit_the_smallest_screen(displays, tmp_path, preset, mode):
    flags = ["--projector"] if mode == "projector" else []
    r = report(displays("1024x768"), tmp_path, 1, "--preset", preset, *flags)
    check_layout(r, mode)
    expected = {
        "rosenbrock-race": 4,
        "line-fit": 2,
        "marbles": 6,
        "three-rates": 3,
        "edge-of-stability": 3,
        "adam-by-hand": 2,
        "adam-cousins": 4,
        "lbfgs-rosenbrock": 3,
        "schedules-side-by-side": 4,
        "newton-saddle": 3,
    }[preset]
    assert len(r["parts"]["legend"]["lines"]) == expected
