"""What the main window leaves until after its first paint (issue 13, item 4: a drawn window
within 1 s of the start): the Timing and Evaluate tabs, built the first time they are shown
or asked for, and what :meth:`DeferredParts._after_first_paint` does once the window has
been painted (the GPU probe; the window adds the CPU's BLAS label).

:class:`LazyTab` holds a tab's place with an empty page until its view is needed; the view
then takes that page's place (same index, same title) for good. Nobody sees the difference:
``window.timing``, ``window.evaluate`` and ``window.sweeps`` (:class:`DeferredParts`) build
the view when first read, so ``tabs.setCurrentWidget(window.timing)`` works as before, and
choosing the tab builds it before it is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QTabWidget, QWidget

from gui_app.explore.sweep_job import MODEL_ASPECTS, SweepControl

if TYPE_CHECKING:
    from core.backend import GpuStatus
    from gui_app.explore.state import ExploreState
    from gui_app.explore.views.evaluate import EvaluateView
    from gui_app.timing.view import TimingView

#: The tabs' names in their order (``MainWindow.tab_name``; sessions store them).
TAB_NAMES = ("explore", "data", "timing", "evaluate")
BENCHMARK_STOP_REASON = "the Timing tab's benchmark needs the CPU to itself"


class LazyTab:
    """One tab of ``tabs`` whose view ``build()`` makes the first time :meth:`view` is called
    or the tab becomes the current one; until then an empty page holds its place."""

    def __init__(self, tabs: QTabWidget, title: str, build: Callable[[], QWidget]) -> None:
        self.tabs = tabs
        self.title = title
        self._build = build
        self._view: QWidget | None = None
        self.page: QWidget | None = QWidget()  # the place holder (None once replaced)
        tabs.addTab(self.page, title)
        tabs.currentChanged.connect(self._current_changed)

    @property
    def built(self) -> bool:
        """The view exists."""
        return self._view is not None

    def is_current(self) -> bool:
        """The tab is the one in front (built or not; builds nothing)."""
        page = self._view if self._view is not None else self.page
        return page is not None and self.tabs.currentWidget() is page

    def view(self) -> QWidget:
        """The tab's view, built now if it was not yet (it replaces the place holder)."""
        if self._view is None:
            view = self._build()
            self._view = view
            self._swap_in(view)
        return self._view

    def _swap_in(self, view: QWidget) -> None:
        tabs, page = self.tabs, self.page
        self.page = None
        if page is None:
            return
        index = tabs.indexOf(page)
        current = tabs.currentIndex() == index
        # The view goes in next to the place holder, comes in front if the place holder
        # was, then the place holder leaves: no other tab is shown meanwhile, and the only
        # currentChanged is the one (if any) that asked for the tab.
        blocked = tabs.blockSignals(True)
        try:
            tabs.insertTab(index + 1, view, self.title)
            if current:
                tabs.setCurrentIndex(index + 1)
            tabs.removeTab(index)
        finally:
            tabs.blockSignals(blocked)
        page.deleteLater()

    def _current_changed(self, index: int) -> None:
        if self._view is None and self.page is not None and self.tabs.widget(index) is self.page:
            self.view()


class DeferredParts:
    """Mixin of :class:`~gui_app.explore.window.MainWindow` (which has ``tabs``, ``worker``,
    ``state`` and ``stop``): the lazily built Timing and Evaluate tabs, and the work that
    waits for the first paint."""

    tabs: QTabWidget
    worker: Any
    state: ExploreState
    stop: Callable[..., None]
    _timing_tab: LazyTab
    _evaluate_tab: LazyTab
    _sweeps: SweepControl | None = None
    _gpu_status: GpuStatus | None = None
    _degree_seen = 0  # the highest degree rendered before the Evaluate tab was built
    _painted = False

    def _add_deferred_tabs(self, timing_title: str, evaluate_title: str) -> None:
        """Add the Timing and Evaluate tabs (after Explore and Data), built when needed."""
        self._timing_tab = LazyTab(self.tabs, timing_title, self._make_timing)
        self._evaluate_tab = LazyTab(self.tabs, evaluate_title, self._make_evaluate)
        self.worker.gpu_probed.connect(self._remember_gpu)

    @property
    def timing(self) -> TimingView:
        """The Timing tab's view (issue 4), built on first use."""
        return self._timing_tab.view()  # type: ignore[return-value]

    @property
    def evaluate(self) -> EvaluateView:
        """The Evaluate tab's view (residuals, degree sweep, λ path), built on first use."""
        return self._evaluate_tab.view()  # type: ignore[return-value]

    @property
    def sweeps(self) -> SweepControl:
        """The Evaluate tab's jobs (built with the tab)."""
        self._evaluate_tab.view()
        assert self._sweeps is not None
        return self._sweeps

    def tab_name(self) -> str:
        """The tab in front: "explore", "data", "timing" or "evaluate" (builds nothing)."""
        index = self.tabs.currentIndex()
        return TAB_NAMES[index] if 0 <= index < len(TAB_NAMES) else "explore"

    def build_all_tabs(self) -> None:
        """Build every tab now (presentation mode restyles all of them on entry)."""
        self._timing_tab.view()
        self._evaluate_tab.view()

    def _shutdown_tabs(self) -> None:
        """Closing: join the Timing tab's threads (a tab never built has none)."""
        if self._timing_tab.built:
            self.timing.shutdown()

    def _make_timing(self) -> QWidget:
        from gui_app.timing.view import TimingView

        view = TimingView()
        # one measurement at a time, honestly; the banner says why the run stopped
        view.run_started.connect(lambda: self.stop(BENCHMARK_STOP_REASON))
        self.worker.gpu_probed.connect(view.set_gpu_status)
        if self._gpu_status is not None:
            view.set_gpu_status(self._gpu_status)
        return view

    def _make_evaluate(self) -> QWidget:
        from gui_app.explore.views.evaluate import EvaluateView

        view = EvaluateView()
        spin = view.max_degree  # the sweep reaches every degree rendered so far
        if self._degree_seen > spin.value():
            spin.setValue(min(self._degree_seen, spin.maximum()))
        self._sweeps = SweepControl(view, self.worker, self)
        self._sweeps.on_render(self.state, MODEL_ASPECTS)  # true to the state from now on
        return view

    def _render_deferred(self, state: ExploreState, changed: frozenset[str]) -> None:
        """After each render: keep the Evaluate tab true to the state (or, before it exists,
        remember what it will need)."""
        if self._sweeps is not None:
            self._sweeps.on_render(state, changed)
        elif changed & MODEL_ASPECTS:
            self._degree_seen = max(self._degree_seen, state.settings.model.degree)

    def _remember_gpu(self, status: GpuStatus) -> None:
        self._gpu_status = status

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)  # type: ignore[misc]
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self, self._after_first_paint)  # type: ignore[call-overload]

    def _after_first_paint(self) -> None:
        # CuPy's import takes a while and holds the GIL: not before the window is drawn
        # (a job submitted earlier starts the worker, and so the probe, anyway)
        self.worker.probe_gpu()
