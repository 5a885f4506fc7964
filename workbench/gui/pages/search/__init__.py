"""The Search page: what may vary (the space editor), the search's settings, a live Pareto plot and a table of
trials, a trial's network and curve, and "Use this network"."""
