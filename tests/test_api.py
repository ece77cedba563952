"""The public API listed in reliability.__all__ exists and the one-call entry points work."""

import pytest

import reliability as rl


@pytest.mark.parametrize("name", rl.__all__)
def test_public_names_exist(name):
    assert getattr(rl, name) is not None


def test_agreement_and_icc_are_callable_packages(data_dir):
    # reliability.agreement(...) is the whole table and equals the function in the package
    via_package = rl.agreement(data_dir / "fleiss1971_diagnoses.csv")
    via_function = rl.agreement.agreement(data_dir / "fleiss1971_diagnoses.csv")
    assert via_package.to_dict() == via_function.to_dict()
    assert callable(rl.agreement.cohen_kappa)
    assert rl.icc(data_dir / "shrout_fleiss_1979.csv").to_dict() == \
        rl.icc.icc(data_dir / "shrout_fleiss_1979.csv").to_dict()


def test_contingency_table_is_not_silently_read_as_wide(data_dir):
    with pytest.raises(rl.ReliabilityError, match="contingency table"):
        rl.cohen_kappa(data_dir / "vcd_sexualfun.csv")
    assert rl.cohen_kappa(data_dir / "vcd_sexualfun.csv", shape="table").estimate == \
        pytest.approx(rl.cohen_kappa(rl.as_ratings(data_dir / "vcd_sexualfun.csv",
                                                   shape="table")).estimate)
