"""The timing lab: one gradient-descent step timed many ways on the user's machine."""
