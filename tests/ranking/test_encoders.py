import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matchmaker.ranking
from matchmaker.ranking import FakeEncoder, load_encoder


def test_fake_encoder_is_deterministic_and_normalised():
    first = FakeEncoder().encode_passages(["imagerie médicale", "chimie"])
    again = load_encoder("fake").encode_queries(["imagerie médicale", "chimie"])
    assert first.shape == (2, 64)
    assert np.allclose(first, again)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)


def test_unknown_encoder_is_rejected():
    with pytest.raises(ValueError, match="unknown encoder"):
        load_encoder("no-such-model")


def test_ranking_core_imports_no_web_framework():
    # a bare parent package, so only the ranking modules' own imports are checked, not the app factory
    package_dir = Path(matchmaker.ranking.__file__).resolve().parents[1]
    code = (
        "import sys, types; pkg = types.ModuleType('matchmaker'); pkg.__path__ = [sys.argv[1]];"
        "sys.modules['matchmaker'] = pkg;"
        "import matchmaker.ranking, matchmaker.ranking.reranker, matchmaker.ranking.metrics;"
        "import matchmaker.ranking.corpus;"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'flask', 'flask_sqlalchemy', 'sqlalchemy'}"
        " or (m.startswith('matchmaker.') and not m.startswith('matchmaker.ranking'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(package_dir)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", ["minilm", "e5"])
def test_real_encoder_embeds_french_close_to_its_paraphrase(name):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    encoder = load_encoder(name)
    query = encoder.encode_queries(["imagerie médicale par IRM"])[0]
    passages = encoder.encode_passages(["IRM et imagerie du cerveau", "synthèse de polymères"])
    assert passages.shape == (2, encoder.dim)
    assert passages[0] @ query > passages[1] @ query
