"""Start-up (issue 13, item 4): what the first paint does not need waits. The Timing and
Evaluate tabs are built when first shown or asked for, and then look and behave as if built
at start; the window starts without the timing lab, the lessons and the sweeps imported."""

from __future__ import annotations

from core.settings import CHOICE_LABELS
from gui_app.explore.lazy_tabs import TAB_NAMES
from tests.gui.app_process import WINDOW_PRELUDE, run_app_script
from tests.gui.classroom_window import make_window

TIMEOUT = 15_000


def test_the_lazy_tabs_are_built_when_asked_for_in_their_place(qtbot):
    w = make_window()
    qtbot.addWidget(w)
    assert not w._timing_tab.built and not w._evaluate_tab.built
    titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert titles == [CHOICE_LABELS["tab"][name] for name in TAB_NAMES]
    timing = w.timing  # reading it builds it, in its place, the Explore tab still in front
    assert w._timing_tab.built and w.timing is timing
    assert w.tabs.indexOf(timing) == TAB_NAMES.index("timing")
    assert w.tabs.currentIndex() == 0 and w.tab_name() == "explore"
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == titles
    assert not w._evaluate_tab.built


def test_choosing_a_lazy_tab_builds_it_before_it_is_drawn(qtbot):
    w = make_window()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.problem_ready, timeout=TIMEOUT):
        w.show()
    changes = []
    w.tabs.currentChanged.connect(changes.append)
    w.tabs.setCurrentIndex(TAB_NAMES.index("evaluate"))
    assert w._evaluate_tab.built and w.tabs.currentWidget() is w.evaluate
    assert changes == [TAB_NAMES.index("evaluate")]  # one change, as for any tab
    assert w.tab_name() == "evaluate" and not w._timing_tab.built
    # the residual plots are drawn for the model on screen, as when the tab was built at start
    qtbot.waitUntil(lambda: not w.sweeps.model_stale, timeout=TIMEOUT)


def test_a_tab_built_late_shows_what_happened_before(qtbot):
    w = make_window()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.problem_ready, timeout=TIMEOUT):
        w.show()
    with qtbot.waitSignal(w.problem_ready, timeout=TIMEOUT):
        w.controls.degree_spin.setValue(14)
    with qtbot.waitSignal(w.problem_ready, timeout=TIMEOUT):
        w.controls.degree_spin.setValue(2)
    # the degree sweep reaches every degree rendered so far (14, then 2: still 14)
    assert w.evaluate.max_degree.value() == 14
    qtbot.waitUntil(lambda: w._gpu_status is not None, timeout=TIMEOUT)
    assert "not probed yet" not in w.timing._gpu_text  # the GPU probe's answer is shown


def test_presentation_mode_builds_every_tab_first(qtbot):
    w = make_window()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.problem_ready, timeout=TIMEOUT):
        w.show()
    w.classroom.set_presentation(True)
    assert w._timing_tab.built and w._evaluate_tab.built
    w.classroom.set_presentation(False)


def test_the_window_starts_without_what_its_first_paint_does_not_need(tmp_path):
    script = WINDOW_PRELUDE + (
        "import sys\n"
        "later = ['core.timing.bench', 'gui_app.timing.view', 'gui_app.explore.views.evaluate',"
        " 'core.evaluation.sweeps', 'core.lessons', 'gui_app.explore.import_dialog']\n"
        "print('LOADED', [name for name in later if name in sys.modules])\n"
        "c.lesson_actions[0]\n"
        "print('LESSONS', 'core.lessons' in sys.modules)\n"
        "w.close()\n"
    )
    proc = run_app_script(script, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "LOADED []" in proc.stdout
    assert "LESSONS True" in proc.stdout  # read when the Lessons menu is first needed


def test_the_first_paint_probe_writes_the_seconds_since_the_process_started(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication, QLabel

    from gui_app.startup_probe import FirstPaintProbe, seconds_since_process_start

    report = tmp_path / "first-paint.txt"
    FirstPaintProbe(QApplication.instance(), str(report))
    assert not report.exists()  # nothing painted yet
    label = QLabel("painted")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitUntil(lambda: report.exists(), timeout=TIMEOUT)
    written = float(report.read_text())
    # the process started before the paint, and not after this line runs
    now = seconds_since_process_start()
    assert now is not None and 0 < written <= now + 0.02
