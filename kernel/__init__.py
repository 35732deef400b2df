"""The facts the cockpit and the central API share, Qt-free: geography, CAP, warning levels, the
city's clock and the panel contract. Both sides import this package; neither imports the other."""
