"""Asset downloads against a local HTTP server: resume, checksum refusal, mirror, offline."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rocktop.cli.main import build_app
from rocktop.common.errors import RocktopError
from rocktop.features.assets.catalog import Asset, AssetFile, default_catalog
from rocktop.features.assets.download import DownloadError, download, part_path
from rocktop.features.assets.manager import fetch, select, status

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _State:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {"/weights/model.bin": PAYLOAD}
        self.cut_after: int | None = None  # drop the connection after this many bytes, once
        self.ranges: list[str | None] = []
        self.honour_range = True


def _handler(state: _State) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            header = self.headers.get("Range")
            state.ranges.append(header)
            start = int(header[6:].split("-")[0]) if header and state.honour_range else 0
            if start >= len(body) and header:
                self.send_error(416)
                return
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(body) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.end_headers()
            chunk = body[start:]
            if state.cut_after is not None:
                chunk, state.cut_after = chunk[: state.cut_after], None
            self.wfile.write(chunk)

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, _State]]:
    state = _State()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    httpd.shutdown()
    httpd.server_close()


def test_plain_download_installs_verified_file(tmp_path: Path, server: tuple[str, _State]) -> None:
    url, _ = server
    dest = tmp_path / "a" / "model.bin"
    assert download(f"{url}/weights/model.bin", dest, SHA, len(PAYLOAD)) == SHA
    assert dest.read_bytes() == PAYLOAD and not part_path(dest).exists()


def test_interrupted_download_resumes(tmp_path: Path, server: tuple[str, _State]) -> None:
    url, state = server
    state.cut_after = 300_000
    dest = tmp_path / "model.bin"
    with pytest.raises(DownloadError, match="interrupted.*resume"):
        download(f"{url}/weights/model.bin", dest, SHA, timeout_s=10)
    assert not dest.exists() and part_path(dest).stat().st_size == 300_000
    assert download(f"{url}/weights/model.bin", dest, SHA, timeout_s=10) == SHA
    assert state.ranges == [None, "bytes=300000-"]
    assert dest.read_bytes() == PAYLOAD


def test_server_without_range_restarts_cleanly(tmp_path: Path, server: tuple[str, _State]) -> None:
    url, state = server
    state.honour_range = False
    dest = tmp_path / "model.bin"
    part_path(dest).write_bytes(PAYLOAD[:1000])
    assert download(f"{url}/weights/model.bin", dest, SHA) == SHA
    assert dest.read_bytes() == PAYLOAD


def test_checksum_mismatch_installs_nothing(tmp_path: Path, server: tuple[str, _State]) -> None:
    url, _ = server
    dest = tmp_path / "model.bin"
    with pytest.raises(DownloadError, match="checksum mismatch.*nothing installed"):
        download(f"{url}/weights/model.bin", dest, "0" * 64)
    assert not dest.exists() and not part_path(dest).exists()
    with pytest.raises(DownloadError, match="mismatch"):
        download(f"{url}/weights/model.bin", dest, None, size=12)
    assert list(tmp_path.iterdir()) == []


def test_offline_and_http_errors_are_one_line(tmp_path: Path, server: tuple[str, _State]) -> None:
    url, _ = server
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(f"{url}/nope", tmp_path / "x", None)
    with pytest.raises(DownloadError, match=r"cannot reach .*--mirror") as info:
        download("http://127.0.0.1:9/x", tmp_path / "x", None, timeout_s=2)
    assert "\n" not in str(info.value)
    with pytest.raises(DownloadError, match="http"):
        download("file:///etc/passwd", tmp_path / "x", None)


def test_fetch_catalog_with_mirror_env(
    tmp_path: Path, server: tuple[str, _State], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, state = server
    state.files["/mirror/sub/unknown.bin"] = b"abc"
    catalog = [
        Asset("model", "test", (AssetFile("weights/model.bin", SHA, len(PAYLOAD)),)),
        Asset("other", "test", (AssetFile("sub/unknown.bin"),)),
    ]
    results = fetch(select(["model"], catalog), tmp_path, mirror=url)
    assert [r.state for r in results] == ["ok"]
    monkeypatch.setenv("ROCKTOP_ASSETS_MIRROR", f"{url}/mirror/")
    results = fetch(select(["oth*"], catalog), tmp_path)
    assert (
        results[0].state == "unverified" and results[0].sha256 == hashlib.sha256(b"abc").hexdigest()
    )
    assert fetch(select(["model"], catalog), tmp_path, mirror=url)[0].state == "present"
    assert [s.state for s in status(catalog[0], tmp_path, check_hash=True)] == ["ok"]
    (tmp_path / "weights/model.bin").write_bytes(b"tampered")
    assert [s.state for s in status(catalog[0], tmp_path, check_hash=True)] == ["mismatch"]
    with pytest.raises(RocktopError, match="unknown asset"):
        select(["nothing"], catalog)


def test_default_catalog_matches_spec() -> None:
    catalog = {a.name: a for a in default_catalog()}
    assert catalog["hubert_base"].files[0].size == 189_507_909
    assert catalog["rmvpe"].files[0].sha256 == (
        "6d62215f4306e3ca278246188607209f09af3dc77ed4232efdd069798c4ec193"
    )
    assert catalog["pretrained_v2/f0D40k"].files[0].size == 142_875_703
    assert catalog["pretrained/f0G32k"].files[0].sha256 is None
    pretrained = [n for n in catalog if n.startswith("pretrained")]
    assert len(pretrained) == 24  # v1/v2 x f0/no-f0 x G/D x 32/40/48k


def test_cli_fetch_refuses_bad_checksum_and_verify(
    tmp_path: Path, server: tuple[str, _State]
) -> None:
    url, state = server
    state.files["/rmvpe.pt"] = b"not the real rmvpe"
    runner = CliRunner()
    app = build_app()
    result = runner.invoke(
        app, ["assets", "fetch", "rmvpe", "--dir", str(tmp_path), "--mirror", url]
    )
    assert result.exit_code != 0 and "checksum mismatch" in str(result.exception)
    assert not (tmp_path / "rmvpe.pt").exists()
    listing = runner.invoke(app, ["assets", "list", "rmvpe", "--dir", str(tmp_path), "--json"])
    assert listing.exit_code == 0 and '"state": "missing"' in listing.stdout
    (tmp_path / "rmvpe.pt").write_bytes(b"wrong")
    checked = runner.invoke(app, ["assets", "verify", "rmvpe", "--dir", str(tmp_path)])
    assert checked.exit_code != 0 and "mismatch" in str(checked.exception)
