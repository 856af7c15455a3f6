"""Pseudonyms: keyed HMAC-SHA256, per-workspace secret, never a raw identifier in the store."""

from __future__ import annotations

import hashlib
import hmac
import stat

import duckdb
import pytest

from wholeflow.data.checking.pseudonymise import (
    pseudonym,
    pseudonym_sql,
    secret_path,
    workspace_secret,
)


@pytest.mark.parametrize("identifier", ["NA", "9434765919", " 42 ", "Zoë", "", "a" * 200])
def test_sql_and_python_agree_with_hmac_sha256(identifier):
    key = bytes(range(32))
    expected = int(hmac.new(key, identifier.strip(" ").encode(), hashlib.sha256)
                   .hexdigest()[:15], 16)
    sql = duckdb.connect().execute(f"SELECT {pseudonym_sql(key, '?')}", [identifier]).fetchone()
    assert pseudonym(key, identifier) == expected == sql[0]


def test_a_long_key_is_hashed_first_as_hmac_requires():
    key = b"k" * 100
    expected = int(hmac.new(key, b"x", hashlib.sha256).hexdigest()[:15], 16)
    sql = duckdb.connect().execute(f"SELECT {pseudonym_sql(key, '?')}", ["x"]).fetchone()
    assert sql[0] == expected


def test_the_secret_is_private_and_stable(tmp_path):
    key = workspace_secret(tmp_path)
    mode = stat.S_IMODE(secret_path(tmp_path).stat().st_mode)
    assert mode == 0o600
    assert len(key) == 32
    assert workspace_secret(tmp_path) == key


def test_workspaces_have_different_secrets(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert pseudonym(workspace_secret(a), "1234") != pseudonym(workspace_secret(b), "1234")


def test_raw_identifiers_never_reach_the_store(load, workspace):
    raw = "9434765919"
    report, store = load(f"""
        person,service,event,timestamp
        {raw},acute,start,2024-01-01
        {raw},acute,end,2024-01-03
        {raw},acute,teleport,2024-01-04
        ,acute,start,2024-01-05
    """)
    assert report.rows_loaded == 2 and report.rows_quarantined == 2
    with store.connect() as con:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            text = con.execute(f'SELECT * FROM "{table}"').df().to_csv()
            assert raw not in text, table
    store_bytes = store.path.read_bytes()
    assert raw.encode() not in store_bytes
    export = workspace / "quarantine.csv"
    store.export_quarantine(export)
    assert raw not in export.read_text()
