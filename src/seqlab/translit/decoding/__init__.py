"""Turning a trained network into candidates: greedy and beam search, and the one ranking rule."""
