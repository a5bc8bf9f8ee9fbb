"""The "Provenance" rows and HTML section: what they say, and that text from a manifest stays text."""

from __future__ import annotations

from conftest import FIXTURES, analysed, load_check_html, load_fixture_builder
from verify.pipeline import Options, analyse
from verify.render.provenance import provenance_html, provenance_rows


def rows(path, **kw):
    report = analyse(path, Options(scenes=False, **kw)).report
    return report, dict((label, text) for label, text in provenance_rows(report) if label)


def test_no_provenance_no_rows():
    report = analysed("ministry.mp4").report
    assert provenance_rows(report) == [] and provenance_html(report) == ""


def test_rows_say_the_validation_in_words(provenance_files):
    _, shown = rows(provenance_files["camera-signed.mp4"])
    assert shown["credentials"].startswith("C2PA manifest for “camera-signed.mp4” written by VerifyTestCam 1.0")
    assert "verify test signer" in shown["credentials"]
    assert shown["validation"].startswith("VALID: intact, signer not verified")
    assert shown["actions"] == "c2pa.created (digitalCapture) at 2017-09-01T02:23:48Z"
    root = provenance_files["test-root.pem"].read_text()
    _, trusted = rows(provenance_files["camera-signed.mp4"], c2pa_trust=root)
    assert trusted["validation"].startswith("TRUSTED")
    _, tampered = rows(provenance_files["ai-tampered.mp4"])
    assert tampered["validation"].startswith("INVALID") and "assertion.bmffHash.mismatch" in tampered["validation"]
    assert "trainedAlgorithmicMedia: made by a trained generative model" in tampered["actions"]
    _, edited = rows(provenance_files["edited-signed.jpg"])
    assert edited["ingredients"] == "camera-signed.jpg (parentOf, valid, digitalCapture)"
    _, remote = rows(provenance_files["remote-manifest.jpg"])
    assert "https://manifests.example.org/verify-test.c2pa" in remote["credentials"] and "not fetched" in remote["credentials"]
    _, png = rows(provenance_files["generated.png"])
    assert png["AI marks"].startswith("xmp:Iptc4xmpExt:DigitalSourceType")


def test_hostile_manifest_text_is_escaped(tmp_path):
    build = load_fixture_builder()
    certs = build.test_certificates(tmp_path)
    hostile = '<script>alert(1)</script>\u202egpj.exe'
    build.sign_manifest(certs, f"{hostile} 1.0", hostile,
                        [{"action": "c2pa.created", "softwareAgent": hostile,
                          "digitalSourceType": build.IPTC + "digitalCapture"}],
                        FIXTURES / "photo.jpg", tmp_path / "hostile.jpg", "image/jpeg")
    report, shown = rows(tmp_path / "hostile.jpg")
    assert report.provenance.c2pa["state"] == "valid"
    page = provenance_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\u202e" not in page and "⟨U+202E⟩" in page


def test_provenance_pages_render_cleanly_in_chromium(provenance_files, tmp_path):
    """Pages with a Provenance section (manifest with an ingredient, a tampered AI clip, a hostile manifest)
    in headless chromium: no console message, the section is there."""
    import pytest

    from verify.render.html import render_html, write_html

    check_html = load_check_html()
    if check_html.find_browser() is None:
        pytest.skip("no chromium binary on this machine (apt-get install chromium)")
    build = load_fixture_builder()
    certs = build.test_certificates(tmp_path)
    build.sign_manifest(certs, "<img src=x onerror=alert(1)> 1.0", "<b>t</b>",
                        [{"action": "c2pa.created", "softwareAgent": "</td><script>x()</script>",
                          "digitalSourceType": build.IPTC + "trainedAlgorithmicMedia"}],
                        FIXTURES / "photo.jpg", tmp_path / "hostile.jpg", "image/jpeg")
    for name in ("edited-signed.jpg", "ai-tampered.mp4", "hostile.jpg"):
        path = provenance_files.get(name, tmp_path / name)
        analysis = analyse(path, Options(scenes=False))
        page = write_html(render_html(analysis.report, analysis.thumbnails), tmp_path / f"{name}.html")
        result = check_html.check_page(page)
        assert result.console == [], (name, result.console)
        assert "Provenance" in result.dom and "validation" in result.dom
