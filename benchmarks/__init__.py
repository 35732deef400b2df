"""Side-by-side benchmarks: the cockpit's map against matplotlib and ECharts (see README.md)."""
