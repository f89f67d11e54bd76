"""Benchmarks: a city-sized data set and the measurements of issues 7 and 9 (`python -m benchmarks`)."""
