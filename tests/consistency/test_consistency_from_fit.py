"""mixed_model_consistency accepts a fitted ordinal mixed model (second route: its parameters)."""

import numpy as np
import pandas as pd
import pytest

from reliability.consistency import mixed_model_consistency
from reliability.models import ordinal_mixed


def test_fit_route_equals_parameter_route():
    rng = np.random.default_rng(3)
    n, g = 1500, 60
    insp = rng.integers(0, g, n)
    x = rng.normal(size=n)
    u = rng.normal(scale=0.5, size=g)[insp]
    latent = 0.8 * x + u + rng.logistic(size=n)
    grade = np.digitize(latent, [-1.5, 1.0, 2.5]) + 1
    data = pd.DataFrame({"grade": grade, "x": x, "inspector": insp})
    fit = ordinal_mixed("grade ~ x + (1|inspector)", data)
    from_fit = mixed_model_consistency(fit, eta=data[["x"]])
    eta = fit.coef[list(fit.names).index("x")] * data["x"].to_numpy()
    from_params = mixed_model_consistency(fit.thresholds, inspector_sd=fit.re_sd, eta=eta)
    assert from_fit["p_same"].estimate == pytest.approx(from_params["p_same"].estimate, abs=1e-12)
    assert 0 < from_fit["p_same"].estimate < 1
