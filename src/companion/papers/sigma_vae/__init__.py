r"""σ-VAE: Balancing Reconstruction Quality and Regularisation in Evidence Lower Bound for
Variational Autoencoders (Lin, Roberts, Trigoni & Clark, arXiv 1909.03765).

The idea: with a Gaussian decoder p(x|z) = N(g(z), σ² I) on d pixels, σ² is the weight between
reconstruction and regularisation (Eq. 8):

    -ELBO(x) = d/2 log(2π σ²) + E_q ||x - g(z)||² / (2σ²) + KL(q(z|x) || p(z))

A large σ² lets the KL win (blurry reconstructions); a small σ² leaves holes in the aggregate
posterior q(z) = 1/N Σ q(z|x_i) that prior samples fall into. Learn σ² with the model: its
optimum for fixed networks is the mean squared error per pixel (Eq. 9); a second stage predicts
a per-pixel variance floored at half of it (Eq. 10); samples come from a Gaussian mixture q̂
fitted to q(z) (Eq. 11-12).

Modules:
  method              the objectives, the model, the estimators (ELBO terms, IWAE bound)
  mnist_sweep         notebook 02: the σ² sweep and the method comparison
  mnist_sweep_report  its figures, tables and claims
  reported            the paper's numbers (Tables 1-3)
"""
