"""Self-Supervised Variational Auto-Encoders (Gatopoulos & Tomczak, arXiv 2010.02014): the sketch
selfVAE of notebook 04, its transformations, models and report."""
