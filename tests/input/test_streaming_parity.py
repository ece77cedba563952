"""Streamed input is read exactly as as_ratings reads the file (issue 15)."""

import numpy as np

import reliability as rl
from reliability import read_ratings


def test_streaming_reads_missing_codes_and_ids_like_as_ratings(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes("unit,rater,rating\n007,a,1\n007,b,.\n007,c,1\n7,a,2\n7,b,2\n"
                     "7,c,NA\n8,a,1\n8,b,2\n".encode("utf-16"))
    mem = rl.as_ratings(path, shape="long")
    for chunk in (2, 100):
        st = read_ratings(path, shape="long", chunksize=chunk)
        assert list(st.unit_labels) == list(mem.unit_labels)
        assert st.categories == mem.categories == (1, 2)
        np.testing.assert_array_equal(st.counts, mem.counts)
