"""The Timing tab: the benchmark in the window."""
