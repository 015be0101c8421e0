"""A viewer cannot fill the shared cache: the drill panel is kept under a key made from the checked view and point
only, so junk the browser adds makes no new entries (real Redis, real databases)."""

from __future__ import annotations

import redis

from dashboard.services import dataset as services
from dashboard.services import pages
from dashboard.settings import Settings
from data_access import cache as data_cache

HAVERING = {"board": "havering", "area": "havering", "period": "latest", "meeting": False}
POINT = ("police_attendance_icpc_pct", "havering", "2014-15")


def drill_keys(client: redis.Redis, settings: Settings) -> list[bytes]:
    return client.keys(settings.cache_key_prefix + "*drill_data:*")


def test_junk_in_the_view_or_the_point_makes_no_new_cache_entries(tmp_path, redis_url, loaded_db):
    settings = Settings(instance_path=tmp_path, database_url=loaded_db.database_url, redis_url=redis_url)
    services.bootstrap(settings)
    client = redis.Redis.from_url(redis_url)
    data_cache.invalidate()
    first = pages.drill_panel(HAVERING, *POINT)
    assert first is not None and first.has_figure and first.value_text
    assert len(drill_keys(client, settings)) == 1
    before = set(client.keys(settings.cache_key_prefix + "*"))

    for i in range(200):  # what a hostile page would send: extra fields, other spellings, views that do not exist
        view = {
            **HAVERING,
            f"junk{i}": "x" * 1000,
            "period": ["latest", "2014-15", f"zz{i}", "2014/15"][i % 4],
            "meeting": i % 2 == 0,
        }
        panel = pages.drill_panel(view, *POINT)
        assert panel is not None and panel.value_text == first.value_text
        assert panel.link.startswith("/indicator/police_attendance_icpc_pct?board=havering&area=havering")
        # Points that name nothing the board has: no panel, and nothing kept.
        assert pages.drill_panel(view, POINT[0], POINT[1], f"19{i % 98:02d}-{i % 98 + 1:02d}") is None
        assert pages.drill_panel(view, POINT[0], POINT[1], f"2015-03-{i % 28 + 1:02d}") is None
        assert pages.drill_panel(view, f"nope{i}", POINT[1], POINT[2]) is None
        assert pages.drill_panel(view, POINT[0], f"atlantis{i}", POINT[2]) is None
        assert pages.drill_panel(view, POINT[0], POINT[1], f"garbage{i}") is None
    # The same point in the same board is one entry; a period spelled another way reads the same entry.
    assert pages.drill_panel(HAVERING, POINT[0], POINT[1], "2014/15").value_text == first.value_text
    assert len(drill_keys(client, settings)) == 1, "junk from the browser made new cache entries"
    # Nor did it make entries for the queries behind the panel: every key now was there after the first click.
    assert set(client.keys(settings.cache_key_prefix + "*")) == before

    # The link in the panel still follows the view it was opened from.
    meeting = pages.drill_panel({**HAVERING, "period": "2015-16", "meeting": True}, *POINT)
    assert "period=2015-16" in meeting.link and "meeting=1" in meeting.link


def test_no_entry_is_larger_than_the_cap(tmp_path, redis_url, loaded_db):
    settings = Settings(instance_path=tmp_path, database_url=loaded_db.database_url, redis_url=redis_url)
    services.bootstrap(settings)
    client = redis.Redis.from_url(redis_url)
    data_cache.invalidate()
    for board, area in (("havering", "havering"), ("triborough", "westminster")):
        view = {"board": board, "area": area}
        for code in ("contacts", "police_attendance_icpc_pct", "cp_plans_by_category_pct"):
            for period in ("2013-14", "2014-15", "2015-16"):
                pages.drill_panel(view, code, area, period)
    keys = drill_keys(client, settings)
    assert keys and all(client.memory_usage(k) <= pages.DRILL_ENTRY_MAX_BYTES + 1024 for k in keys)
