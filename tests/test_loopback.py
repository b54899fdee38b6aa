import httpx
from loopback import Reply


def test_loopback_serves_and_answers_conditional_get(server):
    server.route("/feed", Reply(body="<rss/>", etag='"v1"'))
    first = httpx.get(server.url("/feed"))
    assert first.status_code == 200 and first.text == "<rss/>"
    second = httpx.get(server.url("/feed"), headers={"If-None-Match": '"v1"'})
    assert second.status_code == 304
    assert len(server.hits("/feed")) == 2
    assert server.hits("/feed")[1].headers["if-none-match"] == '"v1"'
