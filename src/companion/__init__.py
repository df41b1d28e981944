"""Runnable companion to five papers on variational autoencoders.

Notebooks orchestrate; this package computes. Each module holds one idea: toy data,
networks, objectives, the training loop, metrics, plots, the papers' reported numbers,
the results cache and the notebook runner.
"""

__version__ = "0.2.0"
