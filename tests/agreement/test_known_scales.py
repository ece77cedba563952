"""Text grades of a known scale are ordered by the scale, never alphabetically (issue 15/16)."""

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability.scales import OFSTED_GRADES, REPORT_CARD


@pytest.mark.parametrize("scale", [OFSTED_GRADES, REPORT_CARD], ids=lambda s: s.name)
@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_of_labels_equals_that_of_codes(scale, weights):
    rng = np.random.default_rng(3)
    k = scale.n_categories
    a = rng.integers(0, k, 300)
    b = np.clip(a + rng.integers(-1, 2, 300), 0, k - 1)
    labels = np.array(scale.labels, dtype=object)
    # spelling variants of the labels: case and trailing spaces
    text = pd.DataFrame({"a": [l.lower() if i % 3 == 0 else l for i, l in enumerate(labels[a])],
                         "b": [l + " " if i % 4 == 0 else l for i, l in enumerate(labels[b])]})
    codes = pd.DataFrame({"a": a + 1.0, "b": b + 1.0})
    with pytest.warns(rl.DataWarning):
        by_label = rl.cohen_kappa(text, level="ordinal", weights=weights)
    by_code = rl.cohen_kappa(codes, level="ordinal", weights=weights,
                             categories=list(range(1, k + 1)))
    assert by_label.estimate == pytest.approx(by_code.estimate, abs=1e-12)
    assert by_label.se == pytest.approx(by_code.se, abs=1e-12)


def test_unknown_text_still_needs_categories():
    with pytest.raises(rl.ReliabilityError, match="order"):
        rl.cohen_kappa(pd.DataFrame({"a": ["lo", "hi"], "b": ["hi", "hi"]}), level="ordinal",
                       weights="quadratic")
