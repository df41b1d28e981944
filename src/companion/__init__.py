"""Runnable companion to five papers on variational autoencoders.

Notebooks orchestrate; this package computes.

  train, cache, parallel, config, claims, plots, tables, paths, runner, cli
                the machinery every experiment uses
  core/         shared maths: data, nets, objectives, likelihoods, metrics, ...
  papers/<paper>/  one folder per paper: its method, experiments, reports and reported numbers
"""

__version__ = "0.3.0"
