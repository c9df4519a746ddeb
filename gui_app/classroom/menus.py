"""The classroom's menus (File, Lessons, View, Help), the presentation strip, the plots'
context menus and the file dialogs behind them. The dialogs are thin: the work is in the
Classroom methods they call, which tests call directly."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMenu,
    QPushButton,
    QToolBar,
    QWidget,
)

from core.errors import InputError
from gui_app.classroom.animation_dialog import FRAMES_FILTER, GIF_FILTER, ask_animation_options
from gui_app.explore.animation import NO_RUN, export_animation, recorded_frames, view_size

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow

PRESENTATION_SHORTCUT = "F11"
CONTROLS_SHORTCUT = "F9"  # shows the control panel again in presentation mode
ESCAPE_KEY = "Esc"
OPEN_DATA_SHORTCUT = "Ctrl+Shift+O"  # (Ctrl+O opens a session)


class ClassroomMenus:
    """Menus, the presentation strip and dialogs; mixed into :class:`Classroom`, whose
    methods they call."""

    window: MainWindow

    def _menu(self, title: str) -> QMenu:
        bar = self.window.menuBar()
        plain = title.replace("&", "")
        for action in bar.actions():
            if action.menu() is not None and action.text().replace("&", "") == plain:
                return action.menu()
        return bar.addMenu(title)

    def _action(self, menu: QMenu, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        w = self.window
        file_menu = self._menu("&File")
        self.open_data_action = self._action(
            file_menu, "Open data…", w.controls.file_page.ask_file, OPEN_DATA_SHORTCUT
        )
        self._action(file_menu, "Open session…", self._ask_open_session, "Ctrl+O")
        self._action(file_menu, "Save session…", self._ask_save_session, "Ctrl+S")
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("Export")
        self.plot_actions: dict[tuple[str, str], QAction] = {}
        for name in self.plot_targets():
            for fmt in ("PNG", "SVG"):
                self.plot_actions[name, fmt] = self._action(
                    self.export_menu,
                    f"{name.capitalize()} plot as {fmt}…",
                    lambda n=name, f=fmt: self._ask_export_plot(n, f),
                )
        self.export_menu.addSeparator()
        for fmt in ("CSV", "JSON"):
            self._action(
                self.export_menu,
                f"Last run history as {fmt}…",
                lambda f=fmt: self._ask_export_runs(f, last=True),
            )
        for fmt in ("CSV", "JSON"):
            self._action(
                self.export_menu,
                f"All runs history as {fmt}…",
                lambda f=fmt: self._ask_export_runs(f, last=False),
            )
        self.export_menu.addSeparator()
        self.copy_summary_action = self._action(
            self.export_menu,
            "Copy model summary to clipboard",
            self.copy_model_summary,
            "Ctrl+Shift+C",
        )
        self.animation_action = self._action(
            file_menu, "Export animation…", self._ask_export_animation
        )
        file_menu.setToolTipsVisible(True)
        file_menu.aboutToShow.connect(self._explain_animation_action)
        self._explain_animation_action()
        file_menu.addSeparator()
        self._action(file_menu, "Quit", w.close, "Ctrl+Q")

        self.lessons_menu = self._menu("&Lessons")
        # the built-in lessons go above this separator when the menu first opens (or
        # lesson_actions is read): reading them is not start-up work (issue 13, item 4)
        self._lesson_actions: list[QAction] | None = None
        self._lessons_end = self.lessons_menu.addSeparator()
        self._action(self.lessons_menu, "Open lesson file…", self._ask_open_lesson)
        self._action(self.lessons_menu, "Save current state as lesson…", self._ask_save_lesson)
        self.lessons_menu.aboutToShow.connect(self._list_lessons)

        view_menu = self._menu("&View")
        self.presentation_action = QAction(
            f"Presentation mode ({PRESENTATION_SHORTCUT})", w, checkable=True
        )
        self.presentation_action.setShortcut(QKeySequence(PRESENTATION_SHORTCUT))
        self.presentation_action.toggled.connect(self.set_presentation)
        view_menu.addAction(self.presentation_action)
        view_menu.addAction(self.panel.toggleViewAction())
        self.controls_action = QAction(
            f"Controls ({CONTROLS_SHORTCUT})", w, checkable=True, checked=True
        )
        self.controls_action.setShortcut(QKeySequence(CONTROLS_SHORTCUT))
        self.controls_action.setToolTip("Show or hide the control panel")
        self.controls_action.toggled.connect(self.set_controls_visible)
        view_menu.addAction(self.controls_action)
        self._build_presentation_bar()

        help_menu = self._menu("&Help")
        self.about_action = self._action(help_menu, "About GD Explorer", self.show_about)

        for name, widget in self._plot_widgets().items():
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda pos, n=name, wd=widget: self._plot_context_menu(n, wd, pos)
            )

    def _build_presentation_bar(self) -> None:
        """The compact strip shown in presentation mode instead of the control panel: the
        Controls toggle, the run buttons (their keys keep working while the panel is hidden)
        and the way out."""
        w = self.window
        c = w.controls
        bar = QToolBar("Presentation", w)
        bar.setObjectName("presentationBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # the way out comes first: it must never fall into the strip's overflow menu
        self.exit_presentation_action = QAction(f"✕ Exit ({PRESENTATION_SHORTCUT})", w)
        self.exit_presentation_action.setToolTip(
            f"Leave presentation mode ({PRESENTATION_SHORTCUT}, or {ESCAPE_KEY} when no run "
            "is going)"
        )
        self.exit_presentation_action.triggered.connect(lambda: self.set_presentation(False))
        bar.addAction(self.exit_presentation_action)
        bar.addSeparator()
        bar.addAction(self.controls_action)
        bar.addSeparator()
        # (text, button, key): the action clicks the panel's button, so enabled states and
        # the window's handling stay the panel's; the key moves here while the panel is hidden
        self.run_actions: list[tuple[QAction, QPushButton, str]] = []
        for text, button, key, on_bar in (
            ("▶ Run (F5)", c.run_button, "F5", True),
            ("Pause (F6)", c.pause_button, "F6", True),
            ("Step (F7)", c.step_button, "F7", True),
            ("Step ×10 (F8)", c.step10_button, "F8", False),
            ("Back 1 (F4)", c.run_box.back_button, "F4", False),
            ("■ Stop (Esc)", c.stop_button, ESCAPE_KEY, True),
            ("Reset (Ctrl+R)", c.reset_button, "Ctrl+R", False),
        ):
            action = QAction(text, w)
            action.setToolTip(button.toolTip())
            if key == ESCAPE_KEY:  # presenting, Esc also leaves presentation mode
                action.triggered.connect(lambda _checked=False: self.escape())
            else:
                action.triggered.connect(
                    lambda _checked=False, b=button: b.isEnabled() and b.click()
                )
            w.addAction(action)  # its key works whether or not the strip shows it
            if on_bar:
                bar.addAction(action)
            self.run_actions.append((action, button, key))
        bar.addSeparator()
        if getattr(w, "tabs", None) is not None:  # the tab bar hides while presenting
            self.switch_tab_action = QAction("Explore ⇄ Timing", w)
            self.switch_tab_action.setToolTip("Show the other tab (Explore or Timing)")
            self.switch_tab_action.triggered.connect(
                lambda _checked=False: w.tabs.setCurrentWidget(
                    w.tabs.widget(0) if w.tabs.currentWidget() is w.timing else w.timing
                )
            )
            bar.addAction(self.switch_tab_action)
        bar.addAction(self.panel.toggleViewAction())
        w.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.hide()
        self.presentation_bar = bar
        self.sync_controls()

    def _plot_context_menu(self, name: str, widget: QWidget, pos) -> None:
        menu = QMenu(widget)
        for fmt in ("PNG", "SVG"):
            menu.addAction(
                f"Export {name} plot as {fmt}…", lambda f=fmt: self._ask_export_plot(name, f)
            )
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(widget.mapToGlobal(pos))

    def _ask_path(self, save: bool, caption: str, filters: str, suggested: str = "") -> str:
        start = str(Path.home() / suggested) if suggested else ""
        if save:
            path, _ = QFileDialog.getSaveFileName(self.window, caption, start, filters)
        else:
            path, _ = QFileDialog.getOpenFileName(self.window, caption, start, filters)
        return path

    def _ask_open_session(self) -> None:
        path = self._ask_path(
            False, "Open a session", "GD Explorer sessions (*.gdx.json *.json);;All files (*)"
        )
        if path:
            self.open_session(path)

    def _ask_save_session(self) -> None:
        path = self._ask_path(
            True, "Save the session", "GD Explorer sessions (*.gdx.json)", "session.gdx.json"
        )
        if path:
            self.save_session(path)

    def _ask_export_plot(self, name: str, fmt: str) -> None:
        ext = fmt.lower()
        path = self._ask_path(
            True, f"Export the {name} plot", f"{fmt} (*.{ext})", f"{name.replace(' ', '-')}.{ext}"
        )
        if path:
            if not path.lower().endswith("." + ext):
                path += "." + ext
            self.export_plot(name, path)

    def _ask_export_runs(self, fmt: str, last: bool) -> None:
        ext = fmt.lower()
        path = self._ask_path(
            True,
            "Export the run history",
            f"{fmt} (*.{ext})",
            f"{'last-run' if last else 'runs'}.{ext}",
        )
        if path:
            if not path.lower().endswith("." + ext):
                path += "." + ext
            self.export_runs(path, last=last)

    @property
    def lesson_actions(self) -> list[QAction]:
        """The Lessons menu's entry for each built-in lesson, in order."""
        return self._list_lessons()

    def _list_lessons(self) -> list[QAction]:
        if self._lesson_actions is not None:
            return self._lesson_actions
        from core.lessons import builtin_lessons

        self._lesson_actions = []
        try:
            lessons = builtin_lessons()
        except InputError as exc:
            lessons = []
            self.window.show_message(f"The built-in lessons could not be read: {exc}", "error")
        for k, lesson in enumerate(lessons, 1):
            action = QAction(f"{k}. {lesson.title}", self.window)
            action.triggered.connect(lambda _checked=False, les=lesson: self.play_lesson(les))
            action.setToolTip(lesson.explanation.split("\n")[0])
            self.lessons_menu.insertAction(self._lessons_end, action)
            self._lesson_actions.append(action)
        return self._lesson_actions

    def _explain_animation_action(self) -> None:
        """The action says what it will do, or why there is nothing to animate yet (it stays
        enabled: triggered then, it says so in the banner)."""
        if recorded_frames(self.window):
            tip = "The path on the contour, step by step, as an animated GIF or PNG frames"
        else:
            tip = "No run on the contour yet: press Run (F5) first, then export its animation"
        self.animation_action.setToolTip(tip)
        self.animation_action.setStatusTip(tip)

    def _ask_export_animation(self) -> None:
        """File → Export animation…: options, then a GIF file or a folder for PNG frames."""
        w = self.window
        recorded = recorded_frames(w)
        if not recorded:
            w.show_message(NO_RUN, "warning")
            return
        options = ask_animation_options(w, recorded, view_size(w))
        if options is None:
            return
        start = str(Path.home() / "animation.gif")
        path, chosen = QFileDialog.getSaveFileName(
            w, "Export the animation", start, f"{GIF_FILTER};;{FRAMES_FILTER}"
        )
        if not path:
            return
        if chosen == FRAMES_FILTER:  # a folder: its name without the suggested suffix
            if Path(path).suffix.lower() in (".gif", ".png"):
                path = str(Path(path).with_suffix(""))
        elif not path.lower().endswith(".gif"):
            path += ".gif"
        export_animation(
            w,
            path,
            frames=options.frames,
            duration=options.duration,
            size=options.size,
            loop=options.loop,
        )

    def _ask_open_lesson(self) -> None:
        path = self._ask_path(False, "Open a lesson", "Lessons (*.json);;All files (*)")
        if path:
            self.open_lesson(path)

    def _ask_save_lesson(self) -> None:
        title, ok = QInputDialog.getText(self.window, "Save as lesson", "Lesson title:")
        if not ok or not title.strip():
            return
        text, ok = QInputDialog.getMultiLineText(
            self.window, "Save as lesson", "Explanation shown beside the plots:"
        )
        if not ok:
            return
        path = self._ask_path(True, "Save the lesson", "Lessons (*.json)", "my-lesson.json")
        if path:
            self.save_lesson(path, title.strip(), text.strip())
