"""dpVAEs: Fixing Sample Generation for Regularized VAEs (Bhalodia, Lee & Elhabian, arXiv 1911.10506)."""
