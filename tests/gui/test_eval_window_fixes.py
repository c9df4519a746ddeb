"""Evaluating in the window, what a newcomer found: a λ typed wrong and then right again
frees Run, a decimal comma in λ is refused (never read as 15), F5 with Run off says why,
a diverged run has no errors table, and ŷ never stays beside values it was not computed for.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui_app.widgets import set_combo_data

TIMEOUT = 20_000


def _type_l2(window, text: str) -> None:
    box = window.controls.evaluation_box
    box.l2_combo.setCurrentText(text)
    box.l2_combo.lineEdit().editingFinished.emit()


def test_a_wrong_lambda_then_the_same_right_one_frees_run(window, qtbot):
    controls = window.controls
    _type_l2(window, "5")
    qtbot.waitUntil(lambda: window.state.settings.model.l2 == 5.0, timeout=TIMEOUT)
    _type_l2(window, "abc")
    assert not controls.run_button.isEnabled()
    _type_l2(window, "5")  # the value it had before the mistake
    assert controls.run_button.isEnabled(), controls.evaluation_box.refusal.text()
    assert not controls.evaluation_box.refusal.isVisible()


def test_a_decimal_comma_in_lambda_is_refused_not_read_as_fifteen(window, qtbot):
    _type_l2(window, "1,5")
    box = window.controls.evaluation_box
    assert not window.controls.run_button.isEnabled()
    assert "1.5" in box.refusal.text() and "two ways" in box.refusal.text()
    assert window.state.settings.model.l2 != 15.0


def test_f5_with_run_off_says_why_in_the_banner(window, qtbot):
    _type_l2(window, "lots")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.message_kind == "error"
    assert window.message.text().startswith("Cannot run:") and "lots" in window.message.text()
    assert window.state.current is None


def test_a_diverged_run_has_no_errors_table(window, qtbot):
    controls = window.controls
    set_combo_data(controls.solver_combo, "gd")
    controls.alpha_edit.setText("5")
    controls.alpha_edit.editingFinished.emit()
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.run()
    assert window.state.current.final.diverged
    assert "Errors of this model" not in window.numbers.numbers.text()
    window.tabs.setCurrentWidget(window.evaluate)
    qtbot.waitUntil(lambda: "diverged" in window.evaluate.model_note.text(), timeout=TIMEOUT)


def test_the_prediction_is_cleared_while_a_value_is_typed(window, qtbot):
    set_combo_data(window.controls.solver_combo, "normal")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.run()
    box = window.controls.predict_box
    qtbot.waitUntil(lambda: box.predict_button.isEnabled(), timeout=TIMEOUT)
    box.set_values(["1200", "3", "1", "40"])
    assert box.y_hat is not None and "ŷ =" in box.result.text()
    qtbot.keyClicks(box.inputs[0], "5")  # 12005 typed, not yet predicted
    assert box.y_hat is None and "ŷ =" not in box.result.text()


def test_f5_reads_a_lambda_typed_without_enter(window, qtbot):
    _type_l2(window, "abc")
    assert not window.controls.run_button.isEnabled()
    window.controls.evaluation_box.l2_combo.setCurrentText("1")  # typed, no Enter
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.state.current is not None and window.state.current.settings.model.l2 == 1.0
