"""decode_bytes: every encoding a published form comes in gives the same text, binaries are refused."""

from __future__ import annotations

import codecs
import random
import time
from pathlib import Path

import pytest

from budgetlib.extract.document import UnreadableFileError
from budgetlib.extract.encoding import decode_bytes
from budgetlib.extract.markdown import parse_markdown

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "examples"
SEED_PATH = EXAMPLES / "xinzhou-2020-e-gov-network-declaration.md"
SEED_TEXT = SEED_PATH.read_text(encoding="utf-8")


ENCODED = {
    "utf-8": (SEED_TEXT.encode("utf-8"), "utf-8", False),
    "utf-8 with BOM": (codecs.BOM_UTF8 + SEED_TEXT.encode("utf-8"), "utf-8-sig", False),
    "gb18030": (SEED_TEXT.encode("gb18030"), "gb18030", False),
    "gbk": (SEED_TEXT.encode("gbk"), "gb18030", False),
    "utf-16 LE with BOM": (codecs.BOM_UTF16_LE + SEED_TEXT.encode("utf-16-le"), "utf-16-le", False),
    "utf-16 BE with BOM": (codecs.BOM_UTF16_BE + SEED_TEXT.encode("utf-16-be"), "utf-16-be", False),
    "utf-16 LE without BOM": (SEED_TEXT.encode("utf-16-le"), "utf-16-le", True),
    "utf-16 BE without BOM": (SEED_TEXT.encode("utf-16-be"), "utf-16-be", True),
    "utf-32 with BOM": (SEED_TEXT.encode("utf-32"), "utf-32-le", False),
}


@pytest.mark.parametrize("label", list(ENCODED))
def test_seed_decodes_to_the_same_text_in_every_encoding(label: str) -> None:
    data, expected_encoding, warns = ENCODED[label]
    text, encoding, warnings = decode_bytes(data)
    assert text == SEED_TEXT
    assert encoding == expected_encoding
    assert bool(warnings) == warns


@pytest.mark.parametrize("label", list(ENCODED))
def test_seed_reads_as_the_same_document_in_every_encoding(label: str) -> None:
    reference = parse_markdown(SEED_TEXT, SEED_PATH.name)
    text, encoding, _ = decode_bytes(ENCODED[label][0])
    document = parse_markdown(text, SEED_PATH.name, encoding)
    assert document.blocks == reference.blocks
    # the real row shifted by one column survives every encoding
    assert ["7.一般非税上年结转", "", "0", ""] in document.tables[0].rows


def test_utf16_guess_says_so() -> None:
    _, _, warnings = decode_bytes(SEED_TEXT.encode("utf-16-le"))
    assert warnings[0].code == "W_UTF16_NO_BOM"
    assert "byte-order mark" in warnings[0].message and "UTF-16" in warnings[0].message


def test_declared_charset_beats_gb18030_for_big5_pages() -> None:
    page = '<html><head><meta charset="big5"></head><body><p>項目名稱：資訊網路維護</p></body></html>'
    text, encoding, warnings = decode_bytes(page.encode("big5"))
    assert encoding == "big5"
    assert "項目名稱：資訊網路維護" in text
    assert warnings == []


def test_gb2312_declared_page_uses_gb18030() -> None:
    page = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><td>项目名称 镕</td>'
    text, encoding, _ = decode_bytes(page.encode("gbk"))  # 镕 is GBK, not GB2312: real pages do this
    assert encoding == "gb18030"
    assert "项目名称 镕" in text


def test_other_encodings_are_guessed_with_a_warning() -> None:
    text = "Projet: entretien du réseau — coût total 500 000 €, café, élève, naïve. " * 5
    decoded, encoding, warnings = decode_bytes(text.encode("cp1252"))
    assert encoding not in ("utf-8", "gb18030")
    assert "guessed" in warnings[0].message
    assert "réseau" in decoded


def test_damaged_utf8_is_decoded_with_a_counted_warning() -> None:
    data = SEED_TEXT.encode("utf-8")
    damaged = data[:200] + b"\xff\xfe\xff" + data[200:]
    text, encoding, warnings = decode_bytes(damaged)
    assert encoding == "utf-8"
    assert text.count("\ufffd") == 3
    assert len(warnings) == 1 and "3 undecodable" in warnings[0].message
    assert "7.一般非税上年结转" in text


def test_damaged_utf16_after_bom_is_decoded_with_a_warning() -> None:
    body = SEED_TEXT.encode("utf-16-le")
    data = codecs.BOM_UTF16_LE + body[:100] + b"\x00\xdc" + body[100:]  # a lone low surrogate
    text, encoding, warnings = decode_bytes(data)
    assert encoding == "utf-16-le"
    assert "undecodable" in warnings[0].message
    assert "项目名称" in text


BINARIES = {
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n", "PDF"),
    "ascii-only pdf": (b"%PDF-1.4\n1 0 obj << >> endobj trailer << >>\n%%EOF\n", "PDF"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG"),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200), "JPEG"),
    "old xls (OLE2)": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "OLE2"),
    "zip": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(100), "zip"),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(100), "gzip"),
}


@pytest.mark.parametrize("label", list(BINARIES))
def test_binary_signatures_are_refused_with_their_kind(label: str) -> None:
    data, kind = BINARIES[label]
    with pytest.raises(UnreadableFileError, match=f"binary content.*{kind}"):
        decode_bytes(data)


def test_random_bytes_are_refused() -> None:
    rng = random.Random(7)
    for size in (64, 4096, 200_000):
        data = bytes(rng.getrandbits(8) for _ in range(size))
        with pytest.raises(UnreadableFileError, match="binary content"):
            decode_bytes(data)


def test_random_bytes_without_nuls_are_refused() -> None:
    rng = random.Random(11)
    data = bytes(rng.randrange(1, 256) for _ in range(20_000))
    with pytest.raises(UnreadableFileError, match="binary content"):
        decode_bytes(data)


def test_control_characters_are_refused_even_when_valid_utf8() -> None:
    with pytest.raises(UnreadableFileError, match="control characters"):
        decode_bytes(bytes(range(1, 32)) * 100)


def test_a_few_control_characters_do_not_make_text_binary() -> None:
    data = SEED_TEXT.encode("utf-8").replace(b"\n", b"\n\x0c", 3)
    text, encoding, _ = decode_bytes(data)
    assert encoding == "utf-8" and "\x0c" in text


def test_utf8_is_fast() -> None:
    """The common case is on the hot path: well over 1000 files a second, with a wide margin."""
    data = SEED_TEXT.encode("utf-8")
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        decode_bytes(data)
    per_file = (time.perf_counter() - start) / rounds
    assert per_file < 200e-6, f"{per_file * 1e6:.0f} µs per file"
