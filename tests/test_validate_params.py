"""The option checks of every public function (reliability._validation.validate_params):
an option is checked whether it arrives by position or by keyword, a default is not the
caller's choice and is not checked, and a call that does not fit the signature is still
the function's own TypeError."""

import pytest

from reliability import _validation
from reliability._validation import Choice, OptionError, Real, validate_params


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    """Functions decorated here stay out of the library's option table (docs/options.md)."""
    monkeypatch.setattr(_validation, "_REGISTRY", {})


@pytest.fixture
def _target():
    @validate_params({"confidence": "shared", "level": Choice(("a", "b")),
                      "scale": Real(0, 10, closed="both")})
    def _target(data, scale=1.0, /, level="a", *, confidence=0.95):
        return data, scale, level, confidence
    return _target


def test_checked_by_keyword(_target):
    assert _target(1, confidence=0.9) == (1, 1.0, "a", 0.9)
    with pytest.raises(OptionError, match=r"confidence=1\.5 of _target\(\)"):
        _target(1, confidence=1.5)
    with pytest.raises(OptionError, match="level='c'"):
        _target(1, level="c")


def test_checked_by_position(_target):
    assert _target(1, 2.0, "b") == (1, 2.0, "b", 0.95)
    with pytest.raises(OptionError, match="scale=11"):
        _target(1, 11)                            # positional-only
    with pytest.raises(OptionError, match="level='z'"):
        _target(1, 2.0, "z")                      # positional or keyword, by position


def test_defaults_are_not_checked_and_bad_calls_stay_type_errors(_target):
    @validate_params({"confidence": "shared"})
    def odd_default(*, confidence=7):             # an out-of-range default is the author's
        return confidence

    assert odd_default() == 7
    with pytest.raises(TypeError):
        _target()                                 # missing the data
    with pytest.raises(TypeError):
        _target(1, nonsense=3)


def test_unknown_parameter_is_refused_at_decoration():
    with pytest.raises(TypeError, match="no parameter"):
        validate_params({"confidence": "shared"})(lambda data: data)
