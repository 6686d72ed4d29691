"""Token-based fingerprints (winnowing, as in MOSS) to flag candidates whose code is suspiciously alike.

    a = fingerprint(code_a, ignore=starter)
    b = fingerprint(code_b, ignore=starter)
    similarity(a, b)                      # 0.0 .. 1.0
    shared_lines(code_a, a, b)           # line numbers of code_a that b shares

Code is tokenised with Python's `tokenize`; identifiers become `V` and literals `S`/`N`, so renaming variables
or changing strings does not hide a copy, while keywords, operators and structure still count. Hashes of
every k-gram of tokens are winnowed (the minimum of each window of w hashes is kept), which guarantees that
any shared run of at least w + k - 1 tokens is detected. Fingerprints also present in the starter code are
dropped: everybody shares those.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass

K = 5  # tokens per k-gram
WINDOW = 4  # k-grams per winnowing window
THRESHOLD = 0.6  # share of the smaller fingerprint set found in the other
MIN_FINGERPRINTS = 8  # below this there is too little own code to judge

SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
        tokenize.ENDMARKER}


@dataclass(frozen=True)
class Token:
    text: str
    line: int


@dataclass(frozen=True)
class Fingerprints:
    """Each kept hash, with the source lines its k-gram spans."""

    hashes: dict[int, list[tuple[int, int]]]

    def __len__(self) -> int:
        return len(self.hashes)


def normalised_tokens(source: str) -> list[Token]:
    """The code's tokens with names and literals replaced; docstrings and comments drop out."""
    out: list[Token] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in SKIP:
                continue
            if tok.type == tokenize.NAME:
                text = tok.string if keyword.iskeyword(tok.string) else "V"
            elif tok.type == tokenize.STRING or tok.type in _FSTRING_TYPES:
                text = "S"
            elif tok.type == tokenize.NUMBER:
                text = "N"
            else:
                text = tok.string
            out.append(Token(text, tok.start[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # unfinished code: compare what tokenised
    return out


_FSTRING_TYPES = {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                  if hasattr(tokenize, n)}


def _hash(texts: list[str]) -> int:
    return int.from_bytes(hashlib.blake2b("\x00".join(texts).encode(), digest_size=8).digest(), "big")


def fingerprint(source: str, *, ignore: str = "", k: int = K, window: int = WINDOW) -> Fingerprints:
    tokens = normalised_tokens(source)
    grams = [(_hash([t.text for t in tokens[i:i + k]]), tokens[i].line, tokens[i + k - 1].line)
             for i in range(len(tokens) - k + 1)]
    kept: dict[int, list[tuple[int, int]]] = {}
    last: int | None = None
    for start in range(max(1, len(grams) - window + 1)):
        chunk = grams[start:start + window]
        if not chunk:
            break
        # The rightmost minimum, so a window sliding over equal hashes keeps one fingerprint.
        best = min(range(len(chunk)), key=lambda i: (chunk[i][0], -i))
        position = start + best
        if position != last:
            h, first_line, last_line = grams[position]
            kept.setdefault(h, []).append((first_line, last_line))
            last = position
    if ignore:
        for h in fingerprint(ignore, k=k, window=window).hashes:
            kept.pop(h, None)
    return Fingerprints(kept)


def shared_share(a: Fingerprints, b: Fingerprints) -> float:
    """The share of the smaller set found in the other, however small the sets: what the highlighting shows."""
    smaller = min(len(a), len(b))
    return len(a.hashes.keys() & b.hashes.keys()) / smaller if smaller else 0.0


def judgeable(a: Fingerprints, b: Fingerprints) -> bool:
    """Enough own code on both sides for a share to mean copying rather than a short, common solution."""
    return min(len(a), len(b)) >= MIN_FINGERPRINTS


def similarity(a: Fingerprints, b: Fingerprints) -> float:
    """The share used for flags: `shared_share`, or 0 when either has too little code of its own."""
    return shared_share(a, b) if judgeable(a, b) else 0.0


def shared_lines(a: Fingerprints, b: Fingerprints) -> set[int]:
    """Lines of a's source covered by a fingerprint that b also has."""
    lines: set[int] = set()
    for h in a.hashes.keys() & b.hashes.keys():
        for first, last in a.hashes[h]:
            lines.update(range(first, last + 1))
    return lines


def joined(files: dict[str, str]) -> str:
    """All of a submission's Python files as one source, in a stable order."""
    return "\n".join(files[name] for name in sorted(files) if name.endswith(".py"))
