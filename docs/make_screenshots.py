"""Regenerate every picture in docs/ from the real window, laid out as on each screen size.

    python docs/make_screenshots.py                 # all of docs/*.png
    python docs/make_screenshots.py --only explore  # one scene (explore, timing, presentation)
    python docs/make_screenshots.py --review DIR    # also the review-only scenes, into DIR

Each picture is taken in its own process whose Qt offscreen screen has that size (Qt reads
the screen from a small JSON file), so the window opens and lays itself out as it does on a
real screen of that size; the picture is ``window.grab()``. Settings go to a throw-away
folder, so a developer's own settings never show. The pictures:

- explore-1366x768.png, explore-1920x1080.png: two gradient-descent runs (α = 0.03, 0.3)
  on the housing demo;
- timing-1366x768.png, timing-1920x1080.png: the Timing tab after a quick benchmark with a
  sweep over m (a small problem: a few seconds);
- presentation-1366x768.png: presentation mode (F11) with lesson 1 played and its panel open;
- compare-1366x768.png: lesson 1's own window, the unscaled and the z-scored contours side
  by side;
- import-preview-1366x768.png: the import preview of a German-style export (";", decimal
  commas, a text column, a missing cell, an index column) over the window, as on the screen;
- data-tab-1366x768.png: that file loaded, on the Data tab, sorted by price;
- race-1366x768.png: a race of the classic four (gradient descent at α*, momentum at
  Polyak's α and μ, RMSprop, Adam) on the housing demo, the Race box scrolled into view;
- degree-sweep-1366x768.png: the Evaluate tab on the overfitting lessons' data (the
  stopping-distance demo, half the rows held out with seed 0): a degree-15 model by the
  normal equation (its residuals), the degree sweep 1–15 (the test RMSE lowest at degree 2,
  rising past it) and the ridge path of the degree-15 model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")

#: (scene, size): the pictures docs/ holds, as docs/<scene>-<size>.png.
PICTURES = [
    ("explore", "1366x768"),
    ("explore", "1920x1080"),
    ("timing", "1366x768"),
    ("timing", "1920x1080"),
    ("presentation", "1366x768"),
    ("compare", "1366x768"),
    ("import-preview", "1366x768"),
    ("data-tab", "1366x768"),
    ("race", "1366x768"),
    ("timing-to-cost", "1366x768"),
    ("degree-sweep", "1366x768"),
]
#: The measurement the "timing-to-cost" picture shows: the README's, as recorded (a textbook
#: run takes minutes; the picture shows its result, not a new one).
TO_COST_RESULT = os.path.join("benchmarks", "results", "to-cost-textbook-1thread.json")
#: Scenes looked at before a release but not shown in the README.
REVIEW = [
    ("explore-fresh", "1366x768"),
    ("synthetic-n10", "1366x768"),
    ("lesson1", "1366x768"),
    ("lesson5", "1366x768"),
    ("lesson1", "1920x1080"),
    ("presentation-lesson5", "1366x768"),
    ("import-preview", "1920x1080"),
    ("data-tab", "1920x1080"),
    ("degree-sweep", "1920x1080"),
]
#: The overfitting lesson's data and model (issue 12): the test RMSE is lowest at degree 2.
#: (lessons 11 and 12: half the rows held out with seed 0, degree 15 on screen).
OVERFIT = {"source": "curve", "test_fraction": 0.5, "seed": 0, "degree": 15, "solver": "normal"}
#: The file of the import scenes (own numbers): a de-DE export with a text column (region),
#: a missing cell and a leading row number.
REGIONS = ("Nord", "Süd", "Ost", "West")


def _sample_file(folder: str) -> str:
    path = os.path.join(folder, "häuser-export.csv")
    lines = ["Nr;Region;Wohnfläche m²;Zimmer;Baujahr;Preis T€"]
    for k in range(1, 61):
        size = 48 + (k * 37) % 140 + (k % 4) * 0.25
        rooms = 1 + (k * 7) % 5
        year = 1950 + (k * 13) % 72
        price = 1.9 * size + 12 * rooms + 0.8 * (year - 1950) + (k * 29) % 40
        cells = [str(k), REGIONS[k % 4], f"{size:.2f}", str(rooms), str(year), f"{price:.1f}"]
        if k == 3:
            cells[1] = ""  # a missing cell
        lines.append(";".join(c.replace(".", ",") for c in cells))
    with open(path, "w", encoding="utf-8-sig") as fh:  # Excel's "CSV UTF-8"
        fh.write("\r\n".join(lines) + "\r\n")
    return path


def _on_screen(window, dialog, out: str) -> None:
    """The window with the dialog over it, as the screen shows them."""
    from PySide6.QtGui import QPainter, QPixmap

    geometry = window.screen().geometry()
    canvas = QPixmap(geometry.size())
    canvas.fill()
    painter = QPainter(canvas)
    painter.drawPixmap(window.frameGeometry().topLeft(), window.grab())
    painter.drawPixmap(dialog.geometry().topLeft(), dialog.grab())
    painter.end()
    canvas.save(out, "PNG")


def _screen_config(width: int, height: int, folder: str) -> str:
    """A QT_QPA_PLATFORM value for the offscreen platform with one screen of that size."""
    path = os.path.join(folder, f"screen-{width}x{height}.json")
    screen = {"name": "screen", "x": 0, "y": 0, "width": width, "height": height}
    screen.update({"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1})
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"screens": [screen]}, fh)
    return f"offscreen:configfile={path}"


def _wait(app, cond, timeout: float = 120.0) -> None:
    """Run the event loop until ``cond()`` (a script polling, not a test)."""
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.005)


def _settle(app, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.002)


def _two_runs(app, window, alphas=(0.03, 0.3)) -> None:
    for alpha in alphas:
        window.controls.set_alpha(alpha)
        done: list[object] = []
        window.run_finished.connect(done.append)
        window.controls.run_button.click()
        _wait(app, lambda done=done: bool(done))
        window.run_finished.disconnect(done.append)


def _race(app, window) -> None:
    """The classic four, raced from the Race box's buttons."""
    box = window.controls.race_box
    box.classic_button.click()
    done: list[object] = []
    window.race_finished.connect(done.append)
    box.race_button.click()
    _wait(app, lambda: bool(done))
    window.controls_scroll.ensureWidgetVisible(box)


def _play_lesson(app, window, number: int, present: bool) -> None:
    classroom = window.classroom
    if present:
        classroom.presentation_action.trigger()
        _wait(app, window.isFullScreen)
    done: list[object] = []
    classroom.player.finished.connect(done.append)
    classroom.player.hold_ms = 0
    classroom.lesson_actions[number - 1].trigger()
    _wait(app, lambda: bool(done))


def _recorded_to_cost(window) -> None:
    """The Timing tab's second page showing the recorded textbook measurement."""
    from core.timing.to_cost_results import ToCostConfig, ToCostReport, ToCostRow

    with open(os.path.join(ROOT, TO_COST_RESULT), encoding="utf-8") as fh:
        data = json.load(fh)
    config = ToCostConfig(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in data["config"].items()}
    )
    fields = set(ToCostRow.__dataclass_fields__)
    rows = [ToCostRow(**{k: v for k, v in row.items() if k in fields}) for row in data["rows"]]
    report = ToCostReport(config, data["problem"], data["machine"], rows, data["elapsed_s"])
    window.show_timing_tab(None)
    panel = window.timing.to_cost
    window.timing.pages.setCurrentWidget(panel)
    panel.m_spin.setValue(config.m)
    panel.n_spin.setValue(config.n)
    panel.threads_spin.setValue(config.threads or panel.threads_spin.maximum())
    panel.report = report
    panel.show_report(report)
    panel.show_message(f"The measurement recorded in {TO_COST_RESULT}.", "info")


def _degree_sweep(app, window) -> None:
    """The Evaluate tab: a degree-15 fit on the lesson's data, its degree sweep (1–15) and
    its ridge path, each computed by the tab's own buttons."""
    from gui_app.classroom.settings_bridge import apply_settings

    apply_settings(window, OVERFIT)
    # (controls without a Test set box do not carry the split: the state takes it directly)
    split = {k: OVERFIT[k] for k in ("test_fraction", "seed")}
    window.controller.settings_changed(window.state.settings.replace(**split))
    window.schedule_prepare()
    _wait(app, lambda: window.state.prepared_matches() and window.state.status.value == "idle")
    done: list[object] = []
    window.run_finished.connect(done.append)
    window.controller.run()
    _wait(app, lambda: bool(done))
    view = window.evaluate
    window.tabs.setCurrentWidget(view)
    view.max_degree.setValue(15)
    for group in ("degree", "path"):
        view.buttons[group][0].click()
        _wait(app, lambda: not window.sweeps.busy)
        if "Cannot" in view.notes[group].text():
            raise RuntimeError(view.notes[group].text())


def _tmp_folder() -> str:
    return tempfile.mkdtemp(prefix="gdx-shot-data-")


def scene(name: str, out: str) -> None:
    """Take one picture (in this process, whose screen is already set)."""
    sys.path.insert(0, ROOT)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    from gui_app.app import create_main_window, make_application

    app = make_application()
    window = create_main_window()
    window.show()
    _wait(app, lambda: window.prepared is not None)
    if name == "explore":
        _two_runs(app, window)
    elif name == "race":
        _race(app, window)
    elif name == "degree-sweep":
        _degree_sweep(app, window)
    elif name == "synthetic-n10":
        _two_runs(app, window, (0.1,))
        c = window.controls
        c.source_combo.setCurrentIndex(c.source_combo.findData("synthetic"))
        c.n_spin.setValue(10)
        _wait(app, lambda: window.prepared is not None and window.state.prepared_matches())
        _two_runs(app, window, (0.3,))
    elif name in ("timing",):
        window.show_timing_tab(None)
        timing = window.timing
        timing.config_overrides = {"warmup_s": 0.01, "time_budget_s": 0.5}
        timing.m_spin.setValue(5000)
        timing.n_spin.setValue(50)
        timing.repeats_spin.setValue(3)
        timing.sweep_combo.setCurrentIndex(1)  # sweep m
        timing.run()
        _wait(app, lambda: not timing.running, timeout=300)
    elif name == "timing-to-cost":
        _recorded_to_cost(window)
    elif name == "compare":
        _play_lesson(app, window, 1, present=False)
    elif name.startswith("lesson"):
        _play_lesson(app, window, int(name[len("lesson") :]), present=False)
    elif name.startswith("presentation"):
        number = int(name.split("lesson")[1]) if "lesson" in name else 1
        _play_lesson(app, window, number, present=True)
    elif name in ("import-preview", "data-tab"):
        path = _sample_file(_tmp_folder())
        dialog = window.ask_import(path)
        _wait(app, lambda: not dialog.is_reading())
        if dialog.table is not None and dialog.table.decided["decimal"] != ",":
            dialog.set_option("decimal", ",")  # (a reader that does not detect it)
            _wait(app, lambda: not dialog.is_reading())
        dialog.set_role("Region", "categorical")
        dialog.set_missing("drop")
        _settle(app)
        if name == "import-preview":
            _on_screen(window, dialog, out)
            print(f"{out}: dialog {dialog.width()}x{dialog.height()}", flush=True)
            dialog.reject()
            window.classroom.remember = False
            window.close()
            return
        dialog.accept()
        _wait(app, lambda: window.state.status.value == "idle" and not window.worker.is_busy())
        if not window.state.prepared_matches():
            raise RuntimeError(f"the file did not load: {window.message.text()}")
        window.tabs.setCurrentWidget(window.data_tab)
        window.data_tab.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    _settle(app)
    compare = window.findChild(QWidget, "compareContours")
    if name == "compare":
        compare.grab().save(out, "PNG")
    else:
        window.grab().save(out, "PNG")
        if name.startswith("lesson") and compare is not None and compare.isVisible():
            compare.grab().save(out.replace(".png", "-compare.png"), "PNG")
    print(f"{out}: window {window.width()}x{window.height()}", flush=True)
    window.classroom.remember = False
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one scene of the docs pictures; none: no docs picture")
    parser.add_argument("--review", metavar="DIR", help="also the review scenes, into DIR")
    parser.add_argument("--scene", help=argparse.SUPPRESS)  # the child process' scene
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scene:
        scene(args.scene, args.out)
        return 0
    jobs = [
        (name, size, os.path.join(DOCS, f"{name}-{size}.png"))
        for name, size in PICTURES
        if args.only in (None, name, "all")
    ]
    if args.review:
        os.makedirs(args.review, exist_ok=True)
        jobs += [(n, s, os.path.join(args.review, f"{n}-{s}.png")) for n, s in REVIEW]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="gdx-shots-") as folder:
        for name, size, out in jobs:
            width, height = (int(v) for v in size.split("x"))
            env = dict(os.environ)
            env["QT_QPA_PLATFORM"] = _screen_config(width, height, folder)
            env["GD_EXPLORER_CONFIG_DIR"] = tempfile.mkdtemp(dir=folder)
            env["PYTHONPATH"] = ROOT
            cmd = [sys.executable, os.path.abspath(__file__), "--scene", name, "--out", out]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
            if proc.returncode:
                failed += 1
                print(f"{out}: FAILED\n{proc.stderr[-2000:]}", file=sys.stderr)
            else:
                print(proc.stdout.strip().splitlines()[-1])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
