"""GD Explorer's Qt application (the window, its views and the worker bridge)."""
