"""Schedule families, one module each."""
