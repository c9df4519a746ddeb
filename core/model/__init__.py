"""The model: polynomial features, feature scaling and the prepared least-squares problem."""
