"""The ras test suite; a package so benchmarks can ``import tests.datasets`` (the data setting)."""
