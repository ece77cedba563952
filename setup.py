"""Package discovery (metadata lives in pyproject.toml).

The top-level ``datasets/`` folder (data shipped with the project, kept byte-for-byte) is
installed as the subpackage ``reliability.shipped`` so that ``reliability.datasets`` loaders
find the files with :mod:`importlib.resources` after a regular or editable install.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["reliability", "reliability.*"]) + ["reliability.shipped"],
    package_dir={"reliability.shipped": "datasets"},
)
