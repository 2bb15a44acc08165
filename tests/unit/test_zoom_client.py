"""ZoomClient against FakeZoom on a loopback port: OAuth caching, paging, 429s, UUID encoding, instances."""
import asyncio
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.zoom.client import ZoomClient, ZoomError, encode_meeting_id, parse_retry_after
from tests.fakes.zoom import FakeZoom, people

UTC = timezone.utc
MEETING = "89988877766"
DAY = datetime(2026, 12, 8, tzinfo=UTC)
SESSION = (DAY.replace(hour=17), DAY.replace(hour=21))  # 17:00–21:00 UTC
ROUGH_UUID = "/abc//def=="
PLAIN_UUID = "Vg8IdgluR5WDeWIkpJlElQ=="


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """Records the delays the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def zoom(fake_zoom):
    return fake_zoom


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(zoom, session, clock, sleeps) -> ZoomClient:
    return make_client(zoom, session, clock=clock, sleep=sleeps)


def make_client(zoom: FakeZoom, session: aiohttp.ClientSession, **overrides) -> ZoomClient:
    options = dict(api_url=zoom.url + "/v2", oauth_url=zoom.url + "/oauth/token", account_id=zoom.account_id,
                   client_id=zoom.client_id, client_secret=zoom.client_secret)
    return ZoomClient(session, **{**options, **overrides})


def attendees(count: int = 3) -> list[dict]:
    return people(count, SESSION[0], SESSION[1])


def names(pages: list[dict]) -> list[str]:
    return [p["name"] for page in pages for p in page["participants"]]


# ---- OAuth ---------------------------------------------------------------

async def test_token_request_uses_account_credentials_and_basic_auth(zoom, client):
    assert await client.token() == "zoom-token-1"
    (request,) = zoom.requests
    assert (request.method, request.path) == ("POST", "/oauth/token")
    assert request.query == {"grant_type": "account_credentials", "account_id": zoom.account_id}


async def test_token_is_cached_across_calls(zoom, client):
    zoom.add_meeting(MEETING, attendees())
    await client.participant_pages(MEETING)
    await client.past_instances(MEETING)
    assert zoom.tokens_issued == 1
    assert [r.token for r in zoom.api_requests()] == ["zoom-token-1", "zoom-token-1"]


async def test_token_is_renewed_a_minute_before_it_expires(zoom, client, clock):
    await client.token()
    clock.now += 3599 - 61
    assert await client.token() == "zoom-token-1"
    clock.now += 1
    assert await client.token() == "zoom-token-2"
    assert zoom.tokens_issued == 2


async def test_concurrent_callers_share_one_token_fetch(zoom, client):
    tokens = await asyncio.gather(*(client.token() for _ in range(5)))
    assert set(tokens) == {"zoom-token-1"}
    assert zoom.tokens_issued == 1


async def test_wrong_secret_is_a_clear_error_without_the_secret(zoom, session):
    client = make_client(zoom, session, client_secret="not-the-secret-123456")
    with pytest.raises(ZoomError) as caught:
        await client.token()
    message = str(caught.value)
    assert "HTTP 401" in message and "Invalid client_id or client_secret" in message
    assert "not-the-secret-123456" not in message and "\n" not in message


async def test_401_from_the_api_drops_the_token_and_retries_once(zoom, client):
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(1, "401")
    pages = await client.participant_pages(MEETING)
    assert names(pages) == ["Person 1", "Person 2", "Person 3"]
    assert zoom.tokens_issued == 2
    assert [r.token for r in zoom.api_requests()] == ["zoom-token-1", "zoom-token-2"]


async def test_a_second_401_is_an_error_naming_no_token(zoom, client):
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(2, "401")
    with pytest.raises(ZoomError, match="HTTP 401") as caught:
        await client.participant_pages(MEETING)
    assert "zoom-token" not in str(caught.value)
    assert len(zoom.api_requests()) == 2


# ---- pagination --------------------------------------------------------------

async def test_pages_of_300_are_followed_until_the_token_is_empty(zoom, client):
    zoom.add_meeting(MEETING, attendees(605))
    pages = await client.participant_pages(MEETING)
    assert [len(page["participants"]) for page in pages] == [300, 300, 5]
    assert len(set(names(pages))) == 605
    queries = [r.query for r in zoom.api_requests()]
    assert [q["page_size"] for q in queries] == ["300", "300", "300"]
    assert "next_page_token" not in queries[0]
    assert [q["next_page_token"] for q in queries[1:]] == [pages[0]["next_page_token"], pages[1]["next_page_token"]]
    assert pages[2]["next_page_token"] == ""


async def test_a_repeated_page_token_stops_paging(zoom, client, monkeypatch):
    monkeypatch.setattr("tests.fakes.zoom.secrets.token_urlsafe", lambda _: "same-token")
    zoom.add_meeting(MEETING, attendees(905))
    with pytest.raises(ZoomError, match="next_page_token repeats"):
        await client.participant_pages(MEETING)
    assert len(zoom.api_requests()) == 2


async def test_unknown_meeting_report_is_an_error_with_zooms_message(zoom, client):
    with pytest.raises(ZoomError, match="HTTP 404.*Meeting does not exist"):
        await client.participant_pages("123")


async def test_server_error_is_one_line_without_the_token(zoom, client):
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(1, "500")
    with pytest.raises(ZoomError) as caught:
        await client.participant_pages(MEETING)
    assert "HTTP 500" in str(caught.value)
    assert "zoom-token" not in str(caught.value) and "\n" not in str(caught.value)


# ---- rate limits ---------------------------------------------------------------

async def test_429_waits_as_retry_after_says_then_succeeds(zoom, client, sleeps):
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(2, "429", retry_after=7)
    pages = await client.participant_pages(MEETING)
    assert len(names(pages)) == 3
    assert sleeps.delays == [7.0, 7.0]
    assert len(zoom.api_requests()) == 3


async def test_429_without_retry_after_backs_off_exponentially(zoom, client, sleeps):
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(3, "429", retry_after=None)
    await client.participant_pages(MEETING)
    assert sleeps.delays == [1.0, 2.0, 4.0]


async def test_429_gives_up_after_max_tries(zoom, session, sleeps):
    client = make_client(zoom, session, sleep=sleeps, max_tries=3)
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(10, "429")
    with pytest.raises(ZoomError, match="gave up after 3 tries"):
        await client.participant_pages(MEETING)
    assert len(zoom.api_requests()) == 3
    assert len(sleeps.delays) == 2


async def test_long_retry_after_is_reported_not_slept(zoom, client, sleeps):
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(1, "429", retry_after=3600)
    with pytest.raises(ZoomError, match="wait 3600 s"):
        await client.participant_pages(MEETING)
    assert sleeps.delays == []


async def test_daily_limit_gives_up_at_once(zoom, client, sleeps):
    zoom.add_meeting(MEETING, attendees())
    zoom.fail_next(1, "daily")
    with pytest.raises(ZoomError, match="daily API request limit.*try again after .*T00:00:00Z"):
        await client.participant_pages(MEETING)
    assert sleeps.delays == []
    assert len(zoom.api_requests()) == 1


NOW = datetime(2020, 5, 30, 23, 59, 30, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("7", 7.0),
    (" 2.5 ", 2.5),
    ("2020-05-31T00:00:00Z", 30.0),
    ("2020-05-31T00:00:00", 30.0),
    ("Sun, 31 May 2020 00:00:00 GMT", 30.0),
    ("2020-05-30T00:00:00Z", 0.0),
    (None, None),
    ("", None),
    ("soon", None),
    ("-5", None),
    ("nan", None),
])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


# ---- meeting IDs and UUIDs -------------------------------------------------------

async def test_uuid_with_leading_or_double_slash_is_double_encoded(zoom, client):
    zoom.add_meeting(ROUGH_UUID, attendees())
    pages = await client.participant_pages(ROUGH_UUID)
    assert zoom.report_ids() == ["%252Fabc%252F%252Fdef%253D%253D"]
    assert len(names(pages)) == 3


async def test_plain_uuid_is_encoded_once(zoom, client):
    zoom.add_meeting(PLAIN_UUID, attendees())
    await client.participant_pages(PLAIN_UUID)
    assert zoom.report_ids() == ["Vg8IdgluR5WDeWIkpJlElQ%3D%3D"]


def test_encode_meeting_id_examples():
    assert encode_meeting_id(MEETING) == MEETING
    assert encode_meeting_id("ab/c+d==") == "ab%2Fc%2Bd%3D%3D"
    assert encode_meeting_id("/abc") == "%252Fabc"


@given(st.text(alphabet="ab/+=%", min_size=1, max_size=20))
def test_encode_meeting_id_decodes_back_by_zooms_rule(value):
    encoded = encode_meeting_id(value)
    double = value.startswith("/") or "//" in value
    decoded = unquote(unquote(encoded)) if double else unquote(encoded)
    assert decoded == value
    assert "/" not in encoded


# ---- instances -------------------------------------------------------------------

async def test_restarted_meeting_fetches_both_instances_and_skips_other_days(zoom, client):
    zoom.add_instance(MEETING, "first==", SESSION[0] - timedelta(minutes=20), people(2, *SESSION))
    zoom.add_instance(MEETING, "/restart//after==", SESSION[0] + timedelta(hours=2), [
        {**person, "name": "Rejoined " + person["name"]} for person in people(1, *SESSION)])
    zoom.add_instance(MEETING, "lastweek==", SESSION[0] - timedelta(days=7), people(9, *SESSION))
    pages = await client.instance_reports(MEETING, [SESSION])
    assert names(pages) == ["Person 1", "Person 2", "Rejoined Person 1"]
    assert zoom.report_ids() == ["first%3D%3D", "%252Frestart%252F%252Fafter%253D%253D"]
    assert zoom.api_requests()[0].raw_path == f"/v2/past_meetings/{MEETING}/instances"


@pytest.mark.parametrize(("offset", "fetched"), [
    (-timedelta(hours=2), True),
    (-timedelta(hours=2, minutes=1), False),
    (SESSION[1] - SESSION[0], True),
    (SESSION[1] - SESSION[0] + timedelta(minutes=1), False),
])
async def test_instance_window_edges(zoom, client, offset, fetched):
    zoom.add_instance(MEETING, "edge==", SESSION[0] + offset, attendees())
    pages = await client.instance_reports(MEETING, [SESSION])
    assert bool(pages) is fetched


async def test_instance_matching_any_of_several_windows_is_fetched(zoom, client):
    second_day = (SESSION[0] + timedelta(days=1), SESSION[1] + timedelta(days=1))
    zoom.add_instance(MEETING, "day2==", second_day[0], attendees())
    pages = await client.instance_reports(MEETING, [SESSION, second_day])
    assert zoom.report_ids() == ["day2%3D%3D"]
    assert len(names(pages)) == 3


async def test_without_listed_instances_the_meeting_id_report_is_used(zoom, client):
    zoom.add_meeting(MEETING, attendees())
    assert await client.past_instances(MEETING) == []
    pages = await client.instance_reports(MEETING, [SESSION])
    assert zoom.report_ids() == [MEETING]
    assert len(names(pages)) == 3


async def test_unknown_meeting_has_no_past_instances(zoom, client):
    assert await client.past_instances("404404404") == []
    assert zoom.api_requests()[-1].raw_path == "/v2/past_meetings/404404404/instances"
