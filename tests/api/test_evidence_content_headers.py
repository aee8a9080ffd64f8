"""A file read back from the locker is never sniffed, and only the images the pages show are
shown in place: anything else (an HTML page uploaded as text, a PDF) is a download under the
name it was submitted with (RFC 6266)."""

from __future__ import annotations

import hashlib

import pytest

from ceasefire.media.disposition import content_headers
from tests.api.conftest import Service
from tests.api.test_evidence_upload import PHOTO, post_signed, upload

PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"


def _announce(service: Service, content: bytes, name: str, content_type: str) -> str:
    found = upload(service, "af_liaison", content, name=name, content_type=content_type)
    assert found.status_code == 201, found.text
    posted = post_signed(service, "af_liaison", found.json()["event"]["body"])
    assert posted.status_code == 201, posted.text
    return hashlib.sha256(content).hexdigest()


def test_an_uploaded_html_page_is_a_download_never_sniffed(service: Service) -> None:
    sha256 = _announce(service, PAGE, "statement.html", "application/octet-stream")
    answer = service.client.get(f"/api/v1/evidence/{sha256}/content")
    assert answer.status_code == 200, answer.text
    assert answer.content == PAGE
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"] == 'attachment; filename="statement.html"'
    assert (answer.headers["cache-control"], answer.headers["vary"]) == (
        "private, no-cache",
        "Authorization",
    )


def test_a_photo_stays_inline_for_the_gallery(service: Service) -> None:
    sha256 = _announce(service, PHOTO, "strike.jpg", "image/jpeg")
    answer = service.client.get(f"/api/v1/evidence/{sha256}/content")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"] == 'inline; filename="strike.jpg"'


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("report.pdf", "application/pdf", 'attachment; filename="report.pdf"'),
        ("clip.mp4", "video/mp4", 'attachment; filename="clip.mp4"'),
        ("scan.png", "image/png", 'inline; filename="scan.png"'),
        ("drawing.svg", "image/svg+xml", 'attachment; filename="drawing.svg"'),
        # quotes, backslashes and folders never reach the header
        ('say "hi".txt', "text/plain", "attachment; filename=\"say 'hi'.txt\""),
        ("C:\\Users\\me\\notes.txt", "text/plain", 'attachment; filename="notes.txt"'),
        ("../../etc/passwd", "text/plain", 'attachment; filename="passwd"'),
        # control characters: no header injection, no disguised extension
        ("a\r\nSet-Cookie: x=1.txt", "text/plain", 'attachment; filename="aSet-Cookie: x=1.txt"'),
        ("photo\u202egpj.exe", "text/plain", 'attachment; filename="photogpj.exe"'),
        ("\x00\x01", "text/plain", 'attachment; filename="evidence"'),
        # non-ASCII: an ASCII fallback and the UTF-8 name
        (
            "حملہ.jpg",
            "image/jpeg",
            "inline; filename=\"____.jpg\"; filename*=UTF-8''%D8%AD%D9%85%D9%84%DB%81.jpg",
        ),
        (
            "Zeugenaussage Müller.txt",
            "text/plain",
            'attachment; filename="Zeugenaussage Muller.txt"; '
            "filename*=UTF-8''Zeugenaussage%20M%C3%BCller.txt",
        ),
    ],
)
def test_the_disposition_names_the_file_safely(name: str, media_type: str, expected: str) -> None:
    headers = content_headers(name, media_type)
    assert headers == {"X-Content-Type-Options": "nosniff", "Content-Disposition": expected}
    assert headers["Content-Disposition"].isascii()
