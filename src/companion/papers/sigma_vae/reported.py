"""σ-VAE's reported numbers as data [P, copied exactly].

Lin, Roberts, Trigoni & Clark, "Balancing Reconstruction Quality and Regularisation in Evidence
Lower Bound for Variational Autoencoders", arXiv 1909.03765. FID in Table 2; IWAE
log-likelihoods (nats per image, continuous densities on [0, 1] pixels) in Table 3.
"""

#: Table 1 [P]: KL(q̂ || p) on MNIST, 2-D latent, mean ± std of 10 runs; key: sigma^2 or "learned".
SIGMA_VAE_TABLE1_KL = {1.0: (0.094, 0.003), 0.5: (0.132, 0.003), "learned": (0.422, 0.011),
                       0.01: (1.552, 0.034)}
#: Table 1 [P]: the learned ("optimal") sigma^2 on MNIST with a 2-D latent.
SIGMA_VAE_LEARNED_SIGMA2 = 0.035

#: Table 2 [P]: FID by dataset and method ("Ours" = learned sigma^2, samples from q̂).
SIGMA_VAE_TABLE2 = {
    "mnist": {"Ours": 8.9, "VAE": 74.9, "β-VAE": 438.1, "DIP-VAE": 114.9, "WAE": 142.8, "Real images": 1.9},
    "fashion-mnist": {"Ours": 10.6, "VAE": 123.8, "β-VAE": 281.5, "DIP-VAE": 103.6, "WAE": 149.5,
                      "Real images": 0.7},
    "celeba": {"Ours": 74.7, "VAE": 78.4, "β-VAE": 106.4, "DIP-VAE": 87.5, "WAE": 85.4, "Real images": 2.9},
}

#: Table 3 [P]: IWAE log-likelihood, 16-D latent, K = 20, 500 test images;
#: (dataset, latent density) -> method -> value.
SIGMA_VAE_TABLE3 = {
    ("mnist", "prior"): {"dataset σ²": 1307, "pixel σ²": 6037, "VAE": -462, "β-VAE": -730, "DIP-VAE": -461},
    ("mnist", "q̂"): {"dataset σ²": 1323, "pixel σ²": 6052, "VAE": -461, "β-VAE": -730, "DIP-VAE": -460},
    ("fashion-mnist", "prior"): {"dataset σ²": 1145, "pixel σ²": 5708, "VAE": -463, "β-VAE": -731,
                                 "DIP-VAE": -463},
    ("fashion-mnist", "q̂"): {"dataset σ²": 1157, "pixel σ²": 5724, "VAE": -462, "β-VAE": -731,
                             "DIP-VAE": -462},
}
