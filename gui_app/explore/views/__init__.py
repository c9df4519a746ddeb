"""The views of the Explore tab; each draws only what the explore state holds."""
