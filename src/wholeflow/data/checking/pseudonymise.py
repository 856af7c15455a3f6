"""Pseudonymising person identifiers with a keyed hash and a per-workspace secret.

A person's pseudonym is the first 60 bits of HMAC-SHA256(secret, identifier), as a positive
64-bit integer. The secret is 32 random bytes in ``<workspace>/.wholeflow/secret`` (created on
the first import, readable by its owner only). The same identifier always gets the same
pseudonym within a workspace, so extracts from different organisations link up, but without the
secret a pseudonym cannot be traced back, nor matched against another workspace. Raw
identifiers are never written to the store. Identifiers are trimmed of surrounding spaces
first (``" 123"`` and ``"123"`` are the same person); case is kept.

Collisions: 60 bits make the chance that any two of a million people share a pseudonym about
one in two million.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_BYTES = 32
PSEUDONYM_HEX_DIGITS = 15  # 60 bits: fits a signed 64-bit integer
_BLOCK = 64  # SHA-256 block size in bytes


def secret_path(workspace: Path) -> Path:
    return workspace / ".wholeflow" / "secret"


def workspace_secret(workspace: Path) -> bytes:
    """The workspace's secret key, created (mode 0600) on first use."""
    path = secret_path(workspace)
    if path.exists():
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) < 16:
            raise ValueError(f"{path} is damaged: expected {SECRET_BYTES} bytes in hex")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(SECRET_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def pseudonym(key: bytes, identifier: str) -> int:
    """The pseudonym of one identifier (the reference the SQL version is tested against)."""
    digest = hmac.new(key, identifier.strip(" ").encode("utf-8"), hashlib.sha256).hexdigest()
    return int(digest[:PSEUDONYM_HEX_DIGITS], 16)


def pseudonym_sql(key: bytes, column: str) -> str:
    """A DuckDB expression computing :func:`pseudonym` of a text column, as a BIGINT.

    HMAC(K, m) = H((K xor opad) || H((K xor ipad) || m)), with the key padded to SHA-256's
    64-byte block. DuckDB's ``sha256`` returns hex, which ``unhex`` turns back into bytes.
    """
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in padded).hex()
    outer = bytes(b ^ 0x5C for b in padded).hex()
    message = f"encode(trim(CAST({column} AS VARCHAR)))"
    digest = f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || {message})))"
    return f"CAST(('0x' || left({digest}, {PSEUDONYM_HEX_DIGITS})) AS BIGINT)"
