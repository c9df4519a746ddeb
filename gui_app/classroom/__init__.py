"""Classroom: lessons, presentation mode, sessions, exports and About."""
