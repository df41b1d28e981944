"""SOS-VAE's reported numbers as data [P, copied exactly].

Langley, Monteiro, Jones, Pawlowski & Glocker, "Structured Uncertainty in the Observation Space of
Variational Autoencoders", TMLR 2022, arXiv 2205.12533. Table 1: FID (lower is better) of decoded
means and of samples of p(x|z), 50,000 images from prior latents [authors' code].
"""

#: Table 1 [P]: (dataset, model, what is scored) -> FID
SOS_TABLE1 = {
    ("CelebA", "β-VAE", "means"): 121.65, ("CelebA", "β-VAE", "samples"): 196.40,
    ("CelebA", "SOS-VAE", "means"): 132.93, ("CelebA", "SOS-VAE", "samples"): 104.62,
    ("UKBB", "β-VAE", "means"): 211.24, ("UKBB", "β-VAE", "samples"): 332.89,
    ("UKBB", "SOS-VAE", "means"): 141.87, ("UKBB", "SOS-VAE", "samples"): 79.712,
    ("CelebA 64 × 64 grey", "β-VAE", "means"): 90.97, ("CelebA 64 × 64 grey", "β-VAE", "samples"): 257.11,
    ("CelebA 64 × 64 grey", "Dorta et al.", "means"): 73.44, ("CelebA 64 × 64 grey", "Dorta et al.", "samples"): 77.72,
    ("CelebA 64 × 64 grey", "SOS-VAE", "means"): 70.43, ("CelebA 64 × 64 grey", "SOS-VAE", "samples"): 74.66,
}
