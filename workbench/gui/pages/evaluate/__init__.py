"""The Evaluate page: a trained run's figures, confusion matrix, per-class table and wrong predictions."""
