"""What the window, the CLI's help and reports show for each choice of a choice setting:
one wording everywhere. Split from :mod:`core.settings`, which re-exports
:data:`CHOICE_LABELS`.
"""

from __future__ import annotations

#: What a control or a report shows for each choice of a choice setting (one wording
#: everywhere: window, CLI help, docs).
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "source": {
        "housing": "housing demo (100 houses)",
        "synthetic": "synthetic",
        "csv": "data file (CSV, text, Excel)",
        "curve": "stopping-distance demo (80 cars)",
    },
    "scaling": {
        "none": "none (raw units)",
        "zscore": "z-score  (x − μ) / σ",
        "minmax": "min-max  (x − min) / (max − min)",
        "mean": "mean normalisation  (x − μ) / (max − min)",
    },
    "solver": {
        "gd": "batch gradient descent",
        "gd-loop": "batch gradient descent, Python loops",
        "normal": "normal equation (stable, QR)",
        "normal-textbook": "normal equation (textbook (XᵀX)⁻¹)",
        "sgd": "mini-batch SGD",
        "momentum": "momentum (heavy ball)",
        "nesterov": "Nesterov momentum",
        "adagrad": "AdaGrad",
        "rmsprop": "RMSprop",
        "adam": "Adam",
    },
    "schedule": {
        "constant": "constant α",
        "step": "step decay  α·decay^⌊t/k⌋",
        "inverse-time": "inverse time  α/(1 + decay·t)",
        "cosine": "cosine to zero  α·(1 + cos(πt/T))/2",
    },
    "device": {"cpu": "CPU — NumPy / BLAS", "gpu": "GPU — CuPy"},
    "tab": {"explore": "Explore", "data": "Data", "timing": "Timing", "evaluate": "Evaluate"},
    "curve_x": {"iteration": "iterations (updates)", "epoch": "epochs (passes over the data)"},
    "header": {"auto": "detect", "yes": "yes", "no": "no"},
    "delimiter": {
        "auto": "detect",
        ",": "comma ,",
        ";": "semicolon ;",
        "tab": "tab",
        "whitespace": "spaces",
        "|": "bar |",
    },
    "encoding": {
        "auto": "detect",
        "utf-8": "UTF-8",
        "utf-16": "UTF-16",
        "cp1252": "Windows-1252 (Western European)",
    },
    "decimal": {"auto": "detect", ".": "point  1.5", ",": "comma  1,5"},
    "thousands": {
        "auto": "detect",
        "none": "none  1234",
        ",": "comma  1,234",
        ".": "point  1.234",
        "space": "space  1 234",
        "'": "apostrophe  1'234",
    },
    "missing": {
        "refuse": "refuse (stop and count them)",
        "drop": "drop incomplete rows",
        "mean": "fill with the column mean",
    },
}
