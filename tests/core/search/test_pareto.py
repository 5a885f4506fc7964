"""The Pareto front and the best point under a limit, on hand-made points."""

import math

from workbench.core.search import best_under_limit, pareto_front


def test_front_of_hand_made_points():
    #          0: dominated by 1   1            2            3: dominated by 2   4            5: NaN
    points = [(0.30, 500.0), (0.20, 400.0), (0.10, 900.0), (0.15, 1000.0), (0.40, 50.0), (math.nan, 10.0)]
    assert pareto_front(points) == [4, 1, 2]


def test_equal_points_are_both_kept_and_a_tie_in_cost_keeps_the_better():
    points = [(0.2, 100.0), (0.2, 100.0), (0.3, 100.0), (0.1, 200.0)]
    assert pareto_front(points) == [0, 1, 3]


def test_a_point_better_on_one_and_equal_on_the_other_dominates():
    assert pareto_front([(0.2, 100.0), (0.2, 90.0)]) == [1]
    assert pareto_front([(0.2, 100.0), (0.1, 100.0)]) == [1]


def test_empty_and_single():
    assert pareto_front([]) == []
    assert pareto_front([(0.5, 1.0)]) == [0]


def test_best_under_limit():
    points = [(0.10, 900.0), (0.20, 400.0), (0.20, 300.0), (0.05, 2000.0)]
    assert best_under_limit(points, 1000) == 0
    assert best_under_limit(points, 400) == 2
    assert best_under_limit(points, 100) is None
