"""The Explore tab: controls, live views and the window that holds them."""
