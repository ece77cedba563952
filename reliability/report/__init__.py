"""Self-contained HTML reports and disclosure control.

* :func:`study_report_html` - one HTML page per study (tables, embedded plots, compared
  figures, assumptions, software versions, seed); no scripts, no external links.
* :class:`Disclosure`, :func:`pseudonymise`, :func:`suppress_small` - disclosure control for
  reports made from inspector-level data (keyed HMAC-SHA256 pseudonyms, small-cell
  suppression, rankings of inspectors off unless asked for).
* :func:`data_report` - the report behind ``reliability report`` on a user's own data.
* :func:`write_report` - write a report folder (HTML, ``results.json``, plots).
"""

from reliability.report.disclosure import Disclosure, pseudonymise, suppress_small
from reliability.report.html import study_report_html

__all__ = ["Disclosure", "data_report", "pseudonymise", "study_report_html", "suppress_small",
           "write_report"]


def data_report(*args, **kwargs):
    from reliability.report.user import data_report as _impl

    return _impl(*args, **kwargs)


def write_report(outcome, out_dir, *, software=None):
    from reliability.report.write import write_report as _impl

    return _impl(outcome, out_dir, software=software)
