"""Known grading scales: recognised from any spelling variant, order best first."""

import pytest
from hypothesis import given, strategies as st

from reliability._errors import ReliabilityError
from reliability.scales import (KNOWN_SCALES, OFSTED_GRADES, REPORT_CARD, SHORT_INSPECTION,
                                get_scale, label_key, recognise_scale)


def variants(label):
    return [label, label.upper(), f"  {label} ", label.replace(" ", "-"),
            label.replace(" ", "  "), label.lower()]


@pytest.mark.parametrize("scale", KNOWN_SCALES, ids=lambda s: s.name)
def test_every_variant_is_recognised_as_its_scale(scale):
    for lab in scale.labels:
        for v in variants(lab):
            assert scale.canonical(v) == lab
    assert recognise_scale([v for lab in scale.labels for v in variants(lab)]) is scale


def test_subsets_and_aliases():
    assert recognise_scale(["Good", "Inadequate"]) is OFSTED_GRADES
    assert recognise_scale(["satisfactory", "good"]) is OFSTED_GRADES
    assert OFSTED_GRADES.code_of("Satisfactory") == 3
    assert recognise_scale(["Needs attention", "exceptional"]) is REPORT_CARD
    assert recognise_scale(["remain", "convert"]) is SHORT_INSPECTION
    assert not SHORT_INSPECTION.ordered


def test_unknown_or_numeric_labels_are_not_a_scale():
    assert recognise_scale(["Good", "Bad"]) is None
    assert recognise_scale([1, 2, 3]) is None
    assert recognise_scale([]) is None


def test_nfd_and_nfc_spellings_share_a_key():
    assert label_key("Caf\u00e9") == label_key("Cafe\u0301")


def test_codes_round_trip_and_unknown_name():
    for scale in KNOWN_SCALES:
        for lab, code in zip(scale.labels, scale.codes):
            assert scale.label_of(code) == lab and scale.code_of(lab) == code
    with pytest.raises(ReliabilityError, match="did you mean"):
        get_scale("ofsted_2006")


@given(st.lists(st.sampled_from(REPORT_CARD.labels), min_size=1))
def test_any_subset_of_report_card_labels_is_report_card(labels):
    # report-card labels share no key with the other scales
    assert recognise_scale(labels) is REPORT_CARD
