"""Mutated real inputs through `Pipeline.run()`: no exception, every record counted, nothing intact lost.

The checks live in tools/fuzz_inputs.py, which runs them over many more inputs than this test can.
In CI (``CI`` set) the examples are drawn the same way every run, so that a red CI means a change broke
something, not that this run drew a rare input; a local ``make test`` draws new ones each time.
"""

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tools.fuzz_inputs import KINDS, OPERATIONS, build, run_batch

mutations = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.floats(min_value=0, max_value=1),
        st.sampled_from([1, 8, 64, 4096]),
        st.binary(min_size=1, max_size=64),
    ),
    max_size=3,
)
inputs = st.builds(
    lambda kind, picks, content, raw: (kind, build(kind, picks, content, raw), picks),
    st.sampled_from(KINDS),
    st.lists(st.integers(min_value=0, max_value=999), min_size=1, max_size=4),
    mutations,
    mutations,
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(inputs, min_size=1, max_size=8))
def test_mutated_inputs_lose_nothing(batch: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert run_batch(batch, Path(tmp)) == []


def test_a_batch_whose_records_lack_the_text_field_is_refused_not_failed(tmp_path: Path) -> None:
    # A mutation can turn the only readable record's "text" into "texu": the run then refuses the
    # batch in one line (text_key names a field no record has), losing no intact record.
    assert run_batch([("jsonl", b'{"texu": "a page"}\n', [0])], tmp_path) == []
