"""Benchmarks and data generators (see bench/README.md); run as `python -m bench.<script>`."""
