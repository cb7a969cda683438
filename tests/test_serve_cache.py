"""The review queue the server keeps between requests (qualcode.serve.cache) is always the
store's: after a reviewer's decisions and undo, another reviewer's, and writes by another
process, each page counts and hands out exactly what the store's own queries say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qualcode.project import open_project
from tests.test_serve import _client, _csrf, _join
from tests.test_serve_record import team  # noqa: F401


def _page(client: Any) -> tuple[str, int, str]:
    """(segment shown, segments left as the page says, CSRF token); '' when none is left."""
    html = client.get("/").text
    left = re.search(r"(\d+) segments with suggestions left", html)
    segment = re.search(r'data-segment="([^"]+)"', html)
    return (segment.group(1) if segment else "", int(left.group(1)) if left else 0, _csrf(html))


def _store_says(root: Path, who: str) -> tuple[int, set[str]]:
    """What the store's own queries say: segments waiting for ``who``, and every segment with
    an undecided suggestion."""
    project = open_project(root)
    try:
        return project.store.waiting_for(who), project.store.undecided_segments()
    finally:
        project.close()


def test_the_kept_queue_follows_every_write(team: Path) -> None:  # noqa: F811
    from qualcode.serve.app import create_app

    app = create_app(team)
    # one client keeps one event loop thread, as uvicorn serves, so one kept connection for both
    # reviewers: each one's queue is read again in part after the other's posts too
    with _client(team, app) as shared:  # type: ignore[attr-defined]
        rita = _As(_join(shared, team, "rita", "reviewer"))
        shared.cookies.clear()
        sam = _As(_join(shared, team, "sam", "reviewer"))
        _review(team, rita, sam)


class _As:
    """One browser's cookies on a client shared with another browser."""

    def __init__(self, client: Any) -> None:
        self.client, self.cookies = client, dict(client.cookies)

    def get(self, url: str) -> Any:
        return self._send("get", url)

    def post(self, url: str, data: dict[str, Any]) -> Any:
        return self._send("post", url, data=data)

    def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        self.client.cookies.clear()
        self.client.cookies.update(self.cookies)
        return getattr(self.client, method)(url, **kwargs)


def _review(team: Path, rita: Any, sam: Any) -> None:  # noqa: F811
    seen: list[str] = []
    for step in range(16):  # three steps each in turn: several posts in a row by one of them
        who, client = ("rita", rita) if (step // 3) % 2 else ("sam", sam)
        segment, left, csrf = _page(client)
        waiting, undecided = _store_says(team, who)
        assert left == waiting, step
        if not segment:
            break
        assert segment in undecided, step  # never a segment nothing is left to decide on
        seen.append(segment)
        if step % 4 == 0:
            client.post("/decide", data={"segment": segment, "action": "reject_rest", "csrf": csrf})
        elif step % 4 == 1:
            client.post("/decide", data={"segment": segment, "action": "reject_rest", "csrf": csrf})
            client.post("/undo", data={"csrf": csrf})  # open again
            assert segment in _store_says(team, who)[1]
            assert _page(client)[1] == waiting
            client.post("/decide", data={"segment": segment, "action": "reject_rest", "csrf": csrf})
        elif step % 4 == 2:  # one suggestion of several: the segment stays open until the last
            html = client.get(f"/?segment={segment}").text
            for app_id in re.findall(r'name="application" value="(\d+)"', html):
                client.post(
                    "/decide", data={"application": app_id, "action": "reject", "csrf": csrf}
                )
        else:  # another process decides what this reviewer would be given next
            project = open_project(team)
            for app_id, *_ in project.store.undecided_on(segment):
                project.store.decide_open(app_id, "other", "reject")
            project.close()
            assert _page(client)[0] != segment
    assert len(set(seen)) > 6
