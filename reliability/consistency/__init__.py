"""Classification consistency of inspection grades.

* :func:`parallel_consistency`, :func:`pairs_table`, :func:`team_pairs` - two teams per school: agreement,
  P(second team differs) overall and by grade (Clopper-Pearson and Wilson), Cohen's kappa.
* :func:`agreement_range` - the range of kappa consistent with "n_agree of n agreed".
* :func:`latent_consistency` - consistency/accuracy implied by a reliability coefficient
  (latent normal, Livingston-Lewis cut points); :func:`mixed_model_consistency` - P(two
  inspectors agree) implied by an ordinal mixed model (quadrature).
* :func:`n_for_agreement`, :func:`n_for_agreement_simulated`, :func:`n_for_kappa`, :func:`n_for_kappa_simulated`,
  :func:`simulate_kappa_precision` - precision planning; :func:`kappa_power`,
  :func:`kappa_sample_size` - power and pairs for a test of H0: kappa = kappa0.
"""

from reliability.consistency._kappa import cohen_kappa_table, kappa_many, kappa_variance
from reliability.consistency._latent import bvn_cdf, latent_consistency, mixed_model_consistency
from reliability.consistency._parallel import (
    AgreementRange,
    ParallelConsistency,
    agreement_range,
    pairs_table,
    parallel_consistency,
    team_pairs,
)
from reliability.consistency._planning import (
    kappa_model_table,
    kappa_power,
    kappa_sample_size,
    n_for_agreement,
    n_for_agreement_simulated,
    n_for_kappa,
    n_for_kappa_simulated,
    simulate_kappa_precision,
    wilson_half_width,
)

__all__ = [
    "AgreementRange", "ParallelConsistency", "agreement_range", "bvn_cdf",
    "cohen_kappa_table", "kappa_many", "kappa_model_table", "kappa_power",
    "kappa_sample_size", "kappa_variance",
    "latent_consistency", "mixed_model_consistency", "n_for_agreement",
    "n_for_agreement_simulated", "n_for_kappa",
    "n_for_kappa_simulated", "pairs_table", "parallel_consistency",
    "simulate_kappa_precision", "team_pairs", "wilson_half_width",
]
