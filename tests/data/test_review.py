"""The reviewer's API: decisions and trims written back atomically, surviving a restart;
only manifest-listed files inside the dataset are served."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf

from rocktop.data.manifest import read_manifest
from rocktop.data.review.server import ReviewHTTPServer

pytestmark = pytest.mark.slow  # uses the built corpus dataset


@pytest.fixture
def data_dir(built, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    copy = tmp_path / "dataset"
    shutil.copytree(built.out_dir, copy)
    return copy


@pytest.fixture
def server(data_dir: Path) -> Iterator[ReviewHTTPServer]:
    srv = ReviewHTTPServer(data_dir, 0)
    srv.start_background()
    yield srv
    srv.shutdown()
    srv.server_close()


def request(
    srv: ReviewHTTPServer,
    method: str,
    path: str,
    body: object = None,
    host: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=30)
    headers = dict(headers or {}) | ({"Host": host} if host else {})
    payload = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def test_reject_is_written_back_and_survives_a_restart(server, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    clip = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.status == "accepted")
    status, body = request(server, "POST", f"/api/clips/{clip.id}", {"decision": "rejected"})
    assert status == 200 and json.loads(body)["status"] == "rejected"
    server.shutdown()
    server.server_close()
    restarted = ReviewHTTPServer(data_dir, 0)
    restarted.start_background()
    try:
        status, body = request(restarted, "GET", "/api/clips")
        record = next(r for r in json.loads(body) if r["id"] == clip.id)
        assert record["status"] == "rejected" and "reviewer" in record["reasons"]
        view = read_manifest(data_dir / str(clip.split) / "metadata.jsonl")
        assert next(r for r in view if r.id == clip.id).status == "rejected"
    finally:
        restarted.shutdown()
        restarted.server_close()


def test_approve_overrides_qc_and_clear_restores_it(server, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    clip = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.reasons)
    _, body = request(server, "POST", f"/api/clips/{clip.id}", {"decision": "approved"})
    assert json.loads(body)["status"] == "accepted"
    _, body = request(server, "POST", f"/api/clips/{clip.id}", {"decision": None})
    assert json.loads(body)["status"] == "rejected"


def test_trim_rewrites_the_clip_and_its_times(server, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    clip = read_manifest(data_dir / "metadata.jsonl")[0]
    status, body = request(server, "POST", f"/api/clips/{clip.id}", {"trim": [0.5, 5.5]})
    record = json.loads(body)
    assert status == 200 and abs(record["duration_s"] - 5.0) < 1e-3
    assert abs(record["start_s"] - (clip.start_s + 0.5)) < 1e-3
    assert abs(sf.info(data_dir / clip.path).duration - 5.0) < 1e-3
    _, body = request(
        server, "POST", f"/api/clips/{clip.id}", {"trim": [0.0, 6.0]}
    )  # from the original
    assert abs(json.loads(body)["duration_s"] - 6.0) < 1e-3


def test_serves_audio_images_and_page(server, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    clip = read_manifest(data_dir / "metadata.jsonl")[0]
    wav = (data_dir / clip.path).read_bytes()
    status, body = request(server, "GET", f"/audio/{clip.id}")
    assert status == 200 and body == wav
    status, body = request(server, "GET", f"/audio/{clip.id}", headers={"Range": "bytes=100-199"})
    assert status == 206 and body == wav[100:200]
    status, body = request(server, "GET", f"/audio/{clip.id}", headers={"Range": "bytes=-10"})
    assert status == 206 and body == wav[-10:]
    bad = {"Range": f"bytes={len(wav) + 5}-"}
    assert request(server, "GET", f"/audio/{clip.id}", headers=bad)[0] == 416
    for kind in ("wave.png", "spec.png"):
        status, body = request(server, "GET", f"/img/{clip.id}/{kind}")
        assert status == 200 and body.startswith(b"\x89PNG")
    status, body = request(server, "GET", "/")
    assert status == 200 and b"Dataset review" in body


def test_path_traversal_and_foreign_hosts_are_refused(server, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (data_dir.parent / "secret.wav").write_bytes(b"RIFF secret")
    lines = (data_dir / "metadata.jsonl").read_text().splitlines()
    hostile = json.loads(lines[0]) | {"id": "evil", "path": "../secret.wav"}
    (data_dir / "metadata.jsonl").write_text("\n".join([*lines, json.dumps(hostile)]) + "\n")
    for path in (
        "/audio/evil",
        "/audio/..%2F..%2Fsecret.wav",
        "/audio/../secret.wav",
        "/../secret.wav",
        "/img/evil/wave.png",
        "/wavs/" + json.loads(lines[0])["path"],
        "/metadata.jsonl",
    ):
        status, body = request(server, "GET", path)
        assert status == 404, path
        assert b"secret" not in body
    assert request(server, "GET", "/api/clips", host="evil.example:80")[0] == 403
    assert request(server, "POST", "/api/clips/nope", {"decision": "rejected"})[0] == 404
    assert request(server, "POST", "/api/clips/evil", {"decision": "maybe"})[0] == 400


def test_rebuild_keeps_reviewer_decisions(built, corpus, data_dir: Path, settings_for) -> None:  # type: ignore[no-untyped-def]
    from rocktop.data.build import BuildRequest, build
    from rocktop.data.review.store import ReviewStore

    clip = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.status == "accepted")
    ReviewStore(data_dir).decide(clip.id, "rejected")
    build(BuildRequest(corpus[0], data_dir, settings_for()))
    after = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.id == clip.id)
    assert after.status == "rejected" and after.review == {"decision": "rejected"}


def test_rebuild_keeps_a_trim_while_the_clip_file_is_trimmed(
    built, corpus, data_dir: Path, settings_for
) -> None:  # type: ignore[no-untyped-def]
    from rocktop.data.build import BuildRequest, build
    from rocktop.data.review.store import ReviewStore

    clip = read_manifest(data_dir / "metadata.jsonl")[0]
    ReviewStore(data_dir).trim(clip.id, 0.5, 5.5)
    build(BuildRequest(corpus[0], data_dir, settings_for()))
    after = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.id == clip.id)
    assert abs(after.duration_s - 5.0) < 1e-3 and after.review and after.review["trimmed"]
    (data_dir / ".cache/sources" / f"{clip.session}.json").unlink()  # force reprocessing
    build(BuildRequest(corpus[0], data_dir, settings_for()))
    after = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.id == clip.id)
    assert abs(after.duration_s - clip.duration_s) < 1e-3 and after.review is None
