"""Write datasets/ofsted_report_cards_synthetic_mi.csv: a synthetic report-card MI file.

Values come from reliability.datasets.simulate_report_cards (known truth); the layout is the
one assumed in reliability/datasets/_report_card_mi.py (Ofsted-style column names, Windows-1252,
"NULL" for missing, dates DD/MM/YYYY, some areas as numeric codes to exercise the reader).
Run from the repository root: python tests/data/scripts/make_report_card_mi.py
"""

import numpy as np

from reliability.datasets._report_cards import simulate_report_cards
from reliability.scales import OFSTED_GRADES

frame, truth = simulate_report_cards(1500, seed=20251110)
rng = np.random.default_rng(1)
n = len(frame)
out = frame.rename(columns={
    "urn": "URN", "phase": "Ofsted phase", "idaci_quintile": "IDACI quintile",
    "inclusion": "Inclusion", "curriculum_and_teaching": "Curriculum and teaching",
    "achievement": "Achievement", "attendance_and_behaviour": "Attendance and behaviour",
    "personal_development_and_wellbeing": "Personal development and well-being",
    "leadership_and_governance": "Leadership and governance",
    "safeguarding": "Safeguarding standards"}).drop(columns=["idaci_score"])
out["URN"] = [str(100000 + i) for i in range(n)]
out.insert(1, "School name", [f"Synthetic School {i}" for i in range(n)])
days = rng.integers(0, 360, n)
out["Inspection start date"] = (np.datetime64("2025-11-10") + days.astype("timedelta64[D]"))
out["Inspection start date"] = out["Inspection start date"].dt.strftime("%d/%m/%Y")
# early years only for some primaries; NULL elsewhere, as Ofsted writes it
ey = (out["Ofsted phase"] == "Primary") & (rng.random(n) < 0.6)
out["Early years"] = np.where(ey, out["Curriculum and teaching"], "NULL")
# previous graded inspection: overall effectiveness as Ofsted's codes 1-4 (some never graded)
prev = np.clip(np.round(1.9 + 0.5 * rng.standard_normal(n)), 1, 4).astype(int)
out["Previous graded inspection overall effectiveness"] = np.where(
    rng.random(n) < 0.05, "NULL", prev.astype(str))
# one area as numeric codes, as some MI releases do
code = {lab: str(i + 1) for i, lab in enumerate(
    ["Exceptional", "Strong standard", "Expected standard", "Needs attention",
     "Urgent improvement"])}
out["Inclusion"] = out["Inclusion"].map(code)
out.to_csv("datasets/ofsted_report_cards_synthetic_mi.csv", index=False, encoding="cp1252")
print("wrote", n, "rows;", "previous grades on the", OFSTED_GRADES.name, "scale")
