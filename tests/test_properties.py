"""Property-based tests over the three parsers of user input: the CSV reader, the space loader, the URL masker.

Whatever the input, each either accepts it or raises the product's own error
(one `error:` line at the CLI); no other exception, and no password printed.
"""

from __future__ import annotations

import contextlib
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnntune.data._tables import read_table
from cnntune.errors import DataError, SpaceError
from cnntune.model import check_space
from cnntune.spaces import parse_space
from cnntune.storage import mask_url

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CSV_ALPHABET = st.sampled_from(
    [*string.ascii_letters, *string.digits, ",", '"', "\n", "\r", " ", "-", "+", ".", "é", "\x00"]
)


@FAST
@given(text=st.text(CSV_ALPHABET, max_size=200), labeled=st.booleans())
def test_csv_reader_accepts_or_raises_data_error(text: str, labeled: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "train").mkdir()
        (root / "train.csv").write_text("image_id,label\n" + text, encoding="utf-8")
        try:
            table = read_table(root, "train", labeled=labeled)
        except DataError:
            return
        assert len(table.ids) == len(table.lines) == len(set(table.ids)) > 0
        assert all(i and "/" not in i and "\x00" not in i for i in table.ids)
        if labeled:
            assert len(table.labels) == len(table.ids) and (table.labels >= 0).all()


_VALUE = st.one_of(
    st.integers(-10, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(string.ascii_letters + " >=<!", max_size=12),
    st.lists(st.one_of(st.integers(-5, 300), st.text(string.ascii_lowercase, max_size=8)), max_size=4),
)
_KEYS = st.sampled_from(["kind", "low", "high", "log", "step", "choices", "when", "help", "bogus"])
_NAMES = st.sampled_from(["depth", "base_width", "learning_rate", "batch_size", "cutout_p", "optimizer", "mystery"])


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\\\", "\\\\\\\\").replace('"', '\\\\"') + '"'
    return "[" + ", ".join(_toml(v) for v in value) + "]"


@FAST
@given(params=st.dictionaries(_NAMES, st.dictionaries(_KEYS, _VALUE, max_size=6), max_size=4))
def test_space_loader_accepts_or_raises_space_error(params: dict) -> None:
    text = "\n".join(
        f"[params.{n}]\n" + "\n".join(f"{k} = {_toml(v)}" for k, v in t.items()) for n, t in params.items()
    )
    try:
        space = parse_space(text, source="s.toml")
        check_space(space, source="s.toml")
    except SpaceError:
        return


@FAST
@given(text=st.text(max_size=200))
def test_space_loader_on_any_text_raises_only_space_error(text: str) -> None:
    with contextlib.suppress(SpaceError):
        parse_space(text, source="s.toml")


# No "/": a password holding both an unencoded "@" and "/" is ambiguous to SQLAlchemy itself (it reads the
# password up to the first "@"); "/" alone is covered by tests/storage/test_url.py.
_SECRET = st.text(string.ascii_letters + string.digits + "@:?#!$%&*()[]=+-_.~", min_size=6, max_size=24)


@FAST
@given(user=st.text(string.ascii_letters + string.digits, max_size=8), password=_SECRET)
def test_mask_url_replaces_exactly_the_password(user: str, password: str) -> None:
    in_query = password.replace("&", "").replace("?", "")  # a query value ends at & (and the query starts at ?)
    in_userinfo = password.replace("?", "")
    cases = {
        f"postgresql://{user}:{in_userinfo}@db.example:5432/tune": f"postgresql://{user}:***@db.example:5432/tune",
        f"postgresql+psycopg://{user}:{in_userinfo}@[::1]/tune?sslmode=require": (
            f"postgresql+psycopg://{user}:***@[::1]/tune?sslmode=require"
        ),
        f"postgresql://{user}@db/tune?password={in_query}": f"postgresql://{user}@db/tune?password=***",
        f"postgresql://{user}@db/tune?sslpassword={in_query}&connect_timeout=5": (
            f"postgresql://{user}@db/tune?sslpassword=***&connect_timeout=5"
        ),
    }
    for url, expected in cases.items():
        assert mask_url(url) == expected, url
