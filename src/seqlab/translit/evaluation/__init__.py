"""Measuring a model: word metrics, split and sentence evaluation, tuning the decoding on dev."""
