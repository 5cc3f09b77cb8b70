"""GradLab's GUI-free core: config, data, models, initialization, training, probes, analysis."""

__version__ = "0.1.0"
