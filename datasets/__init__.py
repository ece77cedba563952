"""Data files shipped with inspection-reliability (installed as ``reliability.shipped``)."""
