"""Is the model any good: metrics on the training and test rows, prediction of new
examples, and the overfitting views (degree sweep, regularisation path).

The split itself (which rows train, which are held out) is :mod:`core.data.split`: the
problem in :mod:`core.model` is built from it, and this package sits above both.
"""
