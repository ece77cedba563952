"""Known grading scales of school inspection, declared once and recognised from their labels.

Every analysis that needs the order of text grades asks :func:`recognise_scale` first; an
unknown text scale still needs ``categories=`` (best first). Labels are matched after
:func:`label_key` (case, surrounding and repeated spaces, hyphens and underscores, Unicode NFC),
so ``"Requires improvement"``, ``"requires-improvement "`` and ``"REQUIRES IMPROVEMENT"`` are one
label. Ofsted's numeric codes are part of each scale (1 = best).

Scales (best first):

* ``ofsted_2005`` -- the single-word overall grades used 2005-2024: Outstanding (1), Good (2),
  Requires improvement (3; "Satisfactory" before September 2012), Inadequate (4).
* ``report_card_2025`` -- the report-card scale of each evaluation area since November 2025:
  Exceptional, Strong standard, Expected standard, Needs attention, Urgent improvement
  (Ofsted, *School inspection toolkit*, 2025).
* ``safeguarding`` -- Met / Not met.
* ``short_inspection`` -- the outcome of a short (section 8) inspection: Remain (the school
  stays Good) / Convert (to a full inspection); a nominal pair used by Ofsted (2017).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Scale", "KNOWN_SCALES", "OFSTED_GRADES", "REPORT_CARD", "SAFEGUARDING",
           "SHORT_INSPECTION", "label_key", "recognise_scale", "get_scale"]


def label_key(label) -> str:
    """The matching key of a label: NFC, case-folded, hyphens/underscores as spaces, spaces
    collapsed and stripped."""
    text = unicodedata.normalize("NFC", str(label))
    text = re.sub(r"[-_\s]+", " ", text).strip().casefold()
    return text


@dataclass(frozen=True)
class Scale:
    """An ordered grading scale: ``labels`` best first, ``codes`` Ofsted's numbers for them."""

    name: str
    labels: tuple
    codes: tuple
    ordered: bool = True
    aliases: tuple = ()          # (alias, canonical label) pairs, e.g. older wording
    description: str = ""

    @property
    def n_categories(self) -> int:
        return len(self.labels)

    def _lookup(self) -> dict:
        table = {label_key(lab): lab for lab in self.labels}
        table.update({label_key(a): lab for a, lab in self.aliases})
        return table

    def canonical(self, label):
        """The scale's spelling of ``label`` (any case/spacing variant or alias), or None."""
        return self._lookup().get(label_key(label))

    def code_of(self, label) -> int | None:
        lab = self.canonical(label)
        return None if lab is None else self.codes[self.labels.index(lab)]

    def label_of(self, code) -> str | None:
        try:
            return self.labels[self.codes.index(int(code))]
        except (ValueError, TypeError):
            return None


OFSTED_GRADES = Scale(
    "ofsted_2005", ("Outstanding", "Good", "Requires improvement", "Inadequate"), (1, 2, 3, 4),
    aliases=(("Satisfactory", "Requires improvement"), ("RI", "Requires improvement"),
             ("Requires improvement to be good", "Requires improvement"),
             # the two categories of concern within grade 4
             ("Serious weaknesses", "Inadequate"), ("Special measures", "Inadequate")),
    description="Ofsted overall effectiveness grades, 2005-2024 (1 = Outstanding)")
REPORT_CARD = Scale(
    "report_card_2025", ("Exceptional", "Strong standard", "Expected standard",
                         "Needs attention", "Urgent improvement"), (1, 2, 3, 4, 5),
    aliases=(("Strong", "Strong standard"), ("Expected", "Expected standard")),
    description="Ofsted report-card evaluation-area grades since November 2025")
SAFEGUARDING = Scale("safeguarding", ("Met", "Not met"), (1, 2),
                     aliases=(("Effective", "Met"), ("Not effective", "Not met"),
                              ("Yes", "Met"), ("No", "Not met")),
                     description="Safeguarding standards met / not met")
SHORT_INSPECTION = Scale("short_inspection", ("Remain", "Convert"), (1, 2), ordered=False,
                         aliases=(("Remain good", "Remain"), ("Remained", "Remain"),
                                  ("Converted", "Convert"), ("Conversion", "Convert")),
                         description="Outcome of a short inspection of a Good school")

KNOWN_SCALES = (OFSTED_GRADES, REPORT_CARD, SAFEGUARDING, SHORT_INSPECTION)


def get_scale(name: str) -> Scale:
    """A known scale by name (``ofsted_2005``, ``report_card_2025``, ...)."""
    from reliability._errors import ReliabilityError, suggest

    for s in KNOWN_SCALES:
        if s.name == name:
            return s
    names = [s.name for s in KNOWN_SCALES]
    raise ReliabilityError(f"unknown scale {name!r}{suggest(name, names)}; known: {names}")


def recognise_scale(labels) -> Scale | None:
    """The known scale whose labels (or aliases) include every one of ``labels``, or None.

    Missing values must be removed first. Numeric labels never match: codes 1-4 are
    ambiguous between scales and are mapped with ``categories=`` instead.
    """
    keys = set()
    for lab in labels:
        if isinstance(lab, (int, float)) or not str(lab).strip():
            return None
        keys.add(label_key(lab))
    if not keys:
        return None
    for scale in KNOWN_SCALES:
        if keys <= set(scale._lookup()):
            return scale
    return None
