"""Shared maths, one idea per module: data (2D toys and image datasets), nets, objectives,
likelihoods, metrics, the aggregate posterior, Fréchet-distance features and OOD scores."""
