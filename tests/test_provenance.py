"""Content Credentials (C2PA) and generator marks, on files signed at test time with a test chain."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, analysed, load_fixture_builder
from verify.pipeline import Options, analyse
from verify.provenance.c2pa import read_c2pa
from verify.render.json_out import dumps
from verify.schema import report_schema

CLAIMED = dt.date(2023, 12, 20)


def run(path: Path, **kw):
    return analyse(path, Options(scenes=False, **kw)).report


def flags(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in report.flags:
        out.setdefault(f.code, []).append(f)
    return out


def valid_json(report) -> dict:
    data = json.loads(dumps(report.to_dict()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft202012Validator(report_schema()).iter_errors(data)]
    assert errors == []
    return data


def test_file_without_manifest_gets_no_provenance_flag():
    report = analysed("ministry.mp4").report
    assert report.provenance.c2pa is None and report.provenance.ai_markers == []
    assert not [f for f in report.flags if f.code.startswith("c2pa") or f.code == "uploaded_before_claimed"]
    assert report.to_dict()["provenance"] == {"c2pa": None, "ai_markers": []}


def test_signed_camera_clip_is_valid_but_signer_not_verified(provenance_files):
    report = run(provenance_files["camera-signed.mp4"])
    c2pa = report.provenance.c2pa
    assert c2pa["present"] and c2pa["embedded"] and c2pa["state"] == "valid"
    assert c2pa["trust_anchors"] is False
    manifest = c2pa["active_manifest"]
    assert manifest["claim_generator"] == "VerifyTestCam 1.0"
    assert manifest["signer"]["common_name"] == "verify test signer"
    assert manifest["signer"]["issuer"] == "verify test fixtures"
    assert manifest["actions"] == [{"action": "c2pa.created", "digital_source_type": "digitalCapture",
                                    "software_agent": None, "when": "2017-09-01T02:23:48Z"}]
    assert "signingCredential.untrusted" in c2pa["validation_status"]
    found = flags(report)
    assert "c2pa_ai_generated" not in found and "c2pa_invalid" not in found
    [present] = found["c2pa_present"]
    assert present.severity == "info"
    assert "VerifyTestCam 1.0" in present.message and "verify test signer" in present.message
    assert "intact, signer not verified" in present.message
    # the manifest's capture date agrees with the container's creation time: no conflict
    assert "c2pa_time_conflict" not in found
    valid_json(report)


def test_trust_anchor_makes_the_signer_trusted(provenance_files, tmp_path):
    root = provenance_files["test-root.pem"].read_text()
    assert run(provenance_files["camera-signed.mp4"], c2pa_trust=root).provenance.c2pa["state"] == "trusted"
    # another chain's root does not vouch for this signer
    other = load_fixture_builder().test_certificates(tmp_path)["root"].read_text()
    c2pa = read_c2pa(provenance_files["camera-signed.mp4"], other)
    assert c2pa["state"] == "valid" and "signingCredential.untrusted" in c2pa["validation_status"]
    [present] = flags(run(provenance_files["camera-signed.mp4"], c2pa_trust=other))["c2pa_present"]
    assert "does not chain to any of the trust anchors you gave" in present.message


def test_ai_generated_clip_is_flagged_critical(provenance_files):
    report = run(provenance_files["ai-signed.mp4"])
    assert report.provenance.c2pa["state"] == "valid"
    [ai] = flags(report)["c2pa_ai_generated"]
    assert ai.severity == "critical"
    assert "trainedAlgorithmicMedia" in ai.message and "verify-test-generator 2.0" in ai.message
    assert ai.evidence["markers"][0]["origin"] == "c2pa"
    assert "c2pa_invalid" not in flags(report)


def test_one_changed_media_byte_makes_the_manifest_invalid(provenance_files):
    signed, tampered = provenance_files["ai-signed.mp4"], provenance_files["ai-tampered.mp4"]
    diff = [i for i, (a, b) in enumerate(zip(signed.read_bytes(), tampered.read_bytes())) if a != b]
    assert len(diff) == 1 and signed.stat().st_size == tampered.stat().st_size
    report = run(tampered)
    assert report.provenance.c2pa["state"] == "invalid"
    assert "assertion.bmffHash.mismatch" in report.provenance.c2pa["validation_status"]
    found = flags(report)
    [invalid] = found["c2pa_invalid"]
    assert invalid.severity == "critical" and "assertion.bmffHash.mismatch" in invalid.message
    assert "c2pa_present" not in found  # the critical flag says it all
    assert "c2pa_ai_generated" in found  # the generator's own label still counts as a hint
    valid_json(report)


def test_broken_signature_is_invalid(provenance_files, tmp_path):
    data = bytearray(provenance_files["camera-signed.jpg"].read_bytes())
    data[data.find(b"c2pa.signature") + 200] ^= 0xFF
    (tmp_path / "badsig.jpg").write_bytes(bytes(data))
    c2pa = read_c2pa(tmp_path / "badsig.jpg")
    assert c2pa["state"] == "invalid"
    assert any(code.startswith("claimSignature.") for code in c2pa["validation_status"])


def test_signed_jpeg_lists_its_ingredient(provenance_files):
    report = run(provenance_files["edited-signed.jpg"])
    manifest = report.provenance.c2pa["active_manifest"]
    assert manifest["claim_generator"] == "VerifyTestEditor 3.1"
    assert [a["action"] for a in manifest["actions"]] == ["c2pa.opened", "c2pa.cropped"]
    [ingredient] = manifest["ingredients"]
    assert ingredient["title"] == "camera-signed.jpg" and ingredient["relationship"] == "parentOf"
    assert ingredient["validation_state"] == "valid" and ingredient["digital_source_types"] == ["digitalCapture"]
    assert report.provenance.c2pa["state"] == "valid"
    valid_json(report)


def test_generated_png_markers(provenance_files):
    report = run(provenance_files["generated.png"])
    assert report.provenance.c2pa is None
    sources = [m["source"] for m in report.provenance.ai_markers]
    assert sources == ["xmp:Iptc4xmpExt:DigitalSourceType", "png:parameters"]
    [ai] = flags(report)["c2pa_ai_generated"]
    assert ai.severity == "critical" and "trainedAlgorithmicMedia" in ai.message
    assert "can be added or removed by anyone" in ai.message
    valid_json(report)


def test_photo_without_marks_has_none():
    assert analysed("photo.jpg").report.provenance.ai_markers == []


def test_generator_named_in_a_writer_tag():
    from verify.provenance.ai_markers import tag_markers

    found = tag_markers({"exif:Software": "Adobe Firefly Image 3", "exif:Make": "Midjourney",
                         "format:encoder": "Lavf60.3.100"})
    assert [(m["source"], m["generator"]) for m in found] == [("exif:Software", "Adobe Firefly")]


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        _Recorder.requests.append(self.path)
        self.send_error(404)

    def log_message(self, *args):
        pass


def test_remote_manifest_is_reported_not_fetched(tmp_path):
    """A manifest that lives at a URL is named, never fetched: a local server sees no request."""
    build = load_fixture_builder()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/manifest.c2pa"
        certs = build.test_certificates(tmp_path)
        build.sign_manifest(certs, "VerifyTestCam 1.0", "remote.jpg", [{"action": "c2pa.created", "digitalSourceType": build.IPTC + "digitalCapture"}],
                            FIXTURES / "photo.jpg", tmp_path / "remote.jpg", "image/jpeg", remote_url=url)
        report = run(tmp_path / "remote.jpg")
    finally:
        server.shutdown()
        server.server_close()
    c2pa = report.provenance.c2pa
    assert c2pa["embedded"] is False and c2pa["remote_url"] == url and c2pa["state"] is None
    [present] = flags(report)["c2pa_present"]
    assert url in present.message and "did not fetch" in present.message
    assert _Recorder.requests == []
    valid_json(report)


def test_manifest_time_against_claimed_date_and_creation_time(provenance_files, tmp_path):
    report = run(provenance_files["camera-signed.mp4"], claimed_date=CLAIMED)
    [conflict] = flags(report)["c2pa_time_conflict"]
    assert conflict.severity == "critical" and conflict.evidence["against"] == "claimed_date"
    assert "2017-09-01" in conflict.message and "BEFORE the claimed 2023-12-20" in conflict.message
    # a manifest dated a year after the container's creation time (ministry.mp4: 2020-10-11)
    build = load_fixture_builder()
    certs = build.test_certificates(tmp_path)
    build.sign_manifest(certs, "VerifyTestEditor 1.0", "m.mp4",
                        [{"action": "c2pa.created", "when": "2021-11-02T12:00:00Z",
                          "digitalSourceType": build.IPTC + "digitalCapture"}],
                        FIXTURES / "ministry.mp4", tmp_path / "m.mp4", "video/mp4")
    report = run(tmp_path / "m.mp4", claimed_date=dt.date(2021, 11, 2))
    [conflict] = flags(report)["c2pa_time_conflict"]
    assert conflict.severity == "warning" and conflict.evidence["against"] == "creation_time"
    assert "2021-11-02" in conflict.message and "2020-10-11" in conflict.message


def test_trust_anchor_file_is_checked(provenance_files, tmp_path):
    from verify.errors import InputError
    from verify.provenance.c2pa import load_trust_anchors

    assert "BEGIN CERTIFICATE" in load_trust_anchors(provenance_files["test-root.pem"])
    for name, text in (("garbage.pem", "not a certificate"),
                       ("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")):
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError) as err:
            load_trust_anchors(tmp_path / name)
        assert "no PEM certificate" in str(err.value)
    with pytest.raises(InputError):
        load_trust_anchors(tmp_path / "missing.pem")


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_xmp_digital_source_type_in_jpeg_and_webp(tmp_path, suffix):
    """The element form of DigitalSourceType and a generator as CreatorTool; digitalCapture is no mark."""
    from PIL import Image

    from verify.provenance.ai_markers import still_markers

    def xmp(dst: str, tool: str) -> bytes:
        return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
                'xmlns:xmp="http://ns.adobe.com/xap/1.0/"><Iptc4xmpExt:DigitalSourceType>'
                f'http://cv.iptc.org/newscodes/digitalsourcetype/{dst}</Iptc4xmpExt:DigitalSourceType>'
                f'<xmp:CreatorTool>{tool}</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta>').encode()

    with Image.open(FIXTURES / "photo.jpg") as im:
        small = im.convert("RGB").resize((64, 48))
    small.save(tmp_path / f"gen{suffix}", xmp=xmp("compositeWithTrainedAlgorithmicMedia", "Adobe Firefly"))
    small.save(tmp_path / f"cam{suffix}", xmp=xmp("digitalCapture", "Camera firmware 1.2"))
    found = still_markers(tmp_path / f"gen{suffix}")
    assert [(m["source"], m["generator"]) for m in found] == [
        ("xmp:Iptc4xmpExt:DigitalSourceType", None), ("xmp:xmp:CreatorTool", "Adobe Firefly")]
    assert found[0]["meaning"] == "composited with parts made by a generative model"
    assert still_markers(tmp_path / f"cam{suffix}") == []
    report = run(tmp_path / f"gen{suffix}")
    assert "c2pa_ai_generated" in report.flag_codes()


def test_a_manifest_is_metadata_so_the_file_is_not_called_stripped(provenance_files, tmp_path):
    """edited-signed.jpg has no EXIF left (a Pillow crop) but carries Content Credentials; the same
    pixels without the manifest are 'stripped'."""
    from PIL import Image

    report = run(provenance_files["edited-signed.jpg"])
    assert report.metadata.tags == {} and "metadata_stripped" not in report.flag_codes()
    with Image.open(provenance_files["edited-signed.jpg"]) as im:
        im.save(tmp_path / "plain.jpg", quality=85)
    plain = run(tmp_path / "plain.jpg")
    assert plain.provenance.c2pa is None and "metadata_stripped" in plain.flag_codes()


def test_generated_ingredient_makes_the_edit_ai_marked(tmp_path):
    """An editor's manifest over a generated picture: the ingredient's own manifest says trainedAlgorithmicMedia."""
    from PIL import Image

    build = load_fixture_builder()
    certs = build.test_certificates(tmp_path)
    build.sign_manifest(certs, "verify-test-generator 2.0", "gen.jpg",
                        [{"action": "c2pa.created",
                          "digitalSourceType": build.IPTC + "trainedAlgorithmicMedia"}],
                        FIXTURES / "photo.jpg", tmp_path / "gen.jpg", "image/jpeg")
    with Image.open(tmp_path / "gen.jpg") as im:
        im.crop((0, 0, 320, 240)).save(tmp_path / "crop.jpg", quality=85)
    build.sign_manifest(certs, "VerifyTestEditor 3.1", "edit.jpg",
                        [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["gen"]}},
                         {"action": "c2pa.cropped"}],
                        tmp_path / "crop.jpg", tmp_path / "edit.jpg", "image/jpeg",
                        ingredients=[({"title": "gen.jpg", "relationship": "parentOf", "instance_id": "gen",
                                       "label": "gen"}, tmp_path / "gen.jpg")])
    report = run(tmp_path / "edit.jpg")
    [ingredient] = report.provenance.c2pa["active_manifest"]["ingredients"]
    assert ingredient["digital_source_types"] == ["trainedAlgorithmicMedia"]
    [ai] = flags(report)["c2pa_ai_generated"]
    assert ai.evidence["markers"][0]["origin"] == "c2pa ingredient" and "gen.jpg" in ai.message


def test_scan_cache_key_follows_the_trust_anchors(provenance_files, tmp_path):
    from verify.scan import ScanOptions, options_key, plain_analysis

    root = provenance_files["test-root.pem"].read_text()
    plain = options_key(ScanOptions(jobs=1))
    trusted = options_key(ScanOptions(jobs=1, analysis=plain_analysis(c2pa_trust=root)))
    assert plain != trusted
    assert options_key(ScanOptions(jobs=1, analysis=plain_analysis(c2pa_trust=root))) == trusted


def test_xmp_in_a_video(tmp_path):
    """An MP4 with an XMP ``uuid`` box (as Adobe tools write it) whose DigitalSourceType is generative."""
    import struct

    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
           'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>'
           '</rdf:RDF></x:xmpmeta>').encode()
    xmp_uuid = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
    box = struct.pack(">I4s", 8 + 16 + len(xmp), b"uuid") + xmp_uuid + xmp
    (tmp_path / "gen.mp4").write_bytes((FIXTURES / "drive.mp4").read_bytes() + box)  # a top-level box at the end
    report = run(tmp_path / "gen.mp4")
    assert [m["source"] for m in report.provenance.ai_markers] == ["xmp:Iptc4xmpExt:DigitalSourceType"]
    assert "c2pa_ai_generated" in report.flag_codes() and len(report.shots) == 3  # still read as the same clip
    assert run(FIXTURES / "drive.mp4").provenance.ai_markers == []


def test_an_sdk_failure_costs_only_the_credentials(monkeypatch, provenance_files):
    import verify.provenance.c2pa as c2pa_module

    def broken(*args, **kwargs):
        raise RuntimeError("native library exploded")

    monkeypatch.setattr(c2pa_module, "read_c2pa", broken)
    report = run(provenance_files["camera-signed.mp4"])
    assert report.provenance.c2pa is None and "native library exploded" in report.analysis["c2pa_error"]
    assert len(report.shots) == 1 and len(report.file.sha256) == 64
    valid_json(report)
