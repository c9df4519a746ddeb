"""Data in: readers, datasets (demo, synthetic, files) and the one dataset builder."""
