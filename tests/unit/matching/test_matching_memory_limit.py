"""A memory budget becomes a cap on candidate pairs; building stops past it."""

import pytest

from services.matching import engine


def test_a_budget_is_turned_into_pairs():
    assert engine.pairs_within(None) is None
    assert engine.pairs_within(engine.candidates.BASE_MEMORY_MB) == 0
    assert engine.pairs_within(engine.candidates.BASE_MEMORY_MB + 48) == 2**20


@pytest.mark.parametrize("compiled", [True, False])
def test_building_stops_past_the_limit(compiled):
    children = [engine.ChildIn(i, 23.0, 108.0 + i * 1e-4, frozenset({"academic"}), "F", 9,
                               "normal") for i in range(50)]
    volunteers = [engine.VolunteerIn(100 + j, 23.0, 108.0, frozenset({"academic"}), 1, 30.0)
                  for j in range(4)]
    assert len(engine.build_candidates(children, volunteers, compiled=compiled,
                                       max_pairs=200)) == 200
    with pytest.raises(engine.TooManyCandidates) as refused:
        engine.build_candidates(children, volunteers, compiled=compiled, max_pairs=199)
    assert refused.value.limit == 199 and refused.value.pairs > 199
