"""The Train page: the training settings form, Train / Pause / Stop / Continue and the live curves."""
