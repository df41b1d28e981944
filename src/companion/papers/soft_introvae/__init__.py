r"""Soft-IntroVAE: Analyzing and Improving the Introspective Variational Autoencoder
(Daniel & Tamar, CVPR 2021, arXiv 2012.13253).

The idea: train a VAE adversarially with its own encoder as the discriminator. The encoder
raises the ELBO of real data and lowers it for generated data; the decoder makes generated data
look real to the encoder. IntroVAE does this with a hard margin m on the KL; Soft-IntroVAE
replaces the hinge by a smooth exponential of the whole ELBO (Eq. 4-5), in the form minimised:

    L_E(x, z) = s ELBO-loss(x) + 1/alpha exp(-alpha s (b_rec L_r(D(z)) + b_neg KL(D(z))))
    L_D(x, z) = s ELBO-loss(x) + s (b_kl KL(D(z)) + gamma_r b_rec L_r(D(z)))

with the scale s = 1 / input_dim, alpha = 2, gamma_r = 1e-8. At the optimum the decoder's
density matches the data's, and the ELBO becomes a useful density score.

Modules:
  method        the losses and the three update steps (VAE, IntroVAE, Soft-IntroVAE)
  toy2d         notebook 01: 2D toy densities (§6.1-6.2, Table 2, Figs. 2, 3, 21)
  toy2d_report  its figures and tables
  toy2d_claims  its claims, their controls and the budget per claim
  ood           notebook 05: likelihood-based OOD detection (§6.5, Table 7, Fig. 8)
  ood_report    its figures and tables
  ood_claims    its claims, their controls and the budget per claim
  reported      the paper's numbers (Tables 2, 5, 7)
"""
