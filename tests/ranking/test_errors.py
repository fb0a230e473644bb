"""The ranking core's errors: one base class, and index errors that are also lookup errors."""

import pytest

from matchmaker.ranking import HybridMatcher, IndexMissingError, IndexStaleError, NotFittedError
from matchmaker.ranking.errors import RankingError


@pytest.mark.parametrize("error", [NotFittedError, IndexMissingError, IndexStaleError])
def test_every_error_is_a_ranking_error(error):
    assert issubclass(error, RankingError)


def test_index_errors_can_be_caught_as_lookup_errors(tmp_path, fake_encoder):
    with pytest.raises(LookupError):
        HybridMatcher.load(tmp_path / "missing", encoder=fake_encoder)
    assert issubclass(IndexStaleError, LookupError)
