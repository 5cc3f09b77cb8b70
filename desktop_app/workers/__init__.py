"""Background threads: the training worker (owns the Trainer) and its GUI-side controller."""
