"""Peer servers started by the benchmarks, each in its own process."""
