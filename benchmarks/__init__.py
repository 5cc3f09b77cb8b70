"""Speed benchmarks, each against a plain baseline measured in the same run."""
