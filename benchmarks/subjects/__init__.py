"""One module per subject; each runs in its own process (`python -m benchmarks.subjects.NAME`)."""
