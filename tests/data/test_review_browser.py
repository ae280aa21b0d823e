"""The reviewer in headless Chromium: play a clip, reject it, reload, manifest changed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rocktop.data.manifest import read_manifest
from rocktop.data.review.server import ReviewHTTPServer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium"),
]


@pytest.fixture
def served(built, tmp_path: Path) -> Iterator[tuple[ReviewHTTPServer, Path]]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "dataset"
    shutil.copytree(built.out_dir, data_dir)
    server = ReviewHTTPServer(data_dir, 0)
    server.start_background()
    yield server, data_dir
    server.shutdown()
    server.server_close()


def test_play_reject_reload(served) -> None:  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    expect, sync_playwright = sync_api.expect, sync_api.sync_playwright
    server, data_dir = served
    clip = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.status == "accepted")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url)
            row = page.locator(f"[data-testid=clip][data-id='{clip.id}']")
            expect(row.get_by_test_id("status")).to_have_text("accepted")
            row.get_by_test_id("play").click()
            audio = row.get_by_test_id("audio")
            page.wait_for_function(
                "a => a.currentTime > 0.2 && !a.paused", arg=audio.element_handle(), timeout=20_000
            )
            row.get_by_test_id("reject").click()
            expect(
                page.locator(f"[data-testid=clip][data-id='{clip.id}'] [data-testid=status]")
            ).to_have_text("rejected")
            page.reload()
            row = page.locator(f"[data-testid=clip][data-id='{clip.id}']")
            expect(row.get_by_test_id("status")).to_have_text("rejected")
            expect(row.get_by_test_id("reasons")).to_contain_text("reviewer")
        finally:
            browser.close()
    record = next(r for r in read_manifest(data_dir / "metadata.jsonl") if r.id == clip.id)
    assert record.status == "rejected" and record.review == {"decision": "rejected"}
