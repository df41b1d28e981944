"""SOS-VAE: structured (low-rank) observation noise (Langley et al., TMLR 2022, arXiv 2205.12533)."""
