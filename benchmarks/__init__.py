"""Benchmarks: commands that print tables comparing the project with its peers in the same run."""
