"""Floor 0, the core: the Schedule base, array namespaces and the count, numerics, validation,
the name registry and the sequence (the one composite the families are built from).

Imports nothing else of jaxsched.
"""
