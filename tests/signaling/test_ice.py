"""Ephemeral TURN credentials as coturn's use-auth-secret expects them."""

from __future__ import annotations

import pytest

from signaling.ice import MAX_TTL_SECONDS, ice_servers, turn_credentials


def test_credentials_match_an_independent_hmac_sha1() -> None:
    # Expected value computed outside Python:
    #   echo -n "1800003600:42" | openssl dgst -sha1 -hmac north-star -binary | base64
    creds = turn_credentials("north-star", "42", ttl_seconds=3600, now=1_800_000_000)
    assert creds.username == "1800003600:42"
    assert creds.password == "LH8Uq2tDdY5LeYqvdS17RqhWKiQ="
    assert creds.expires_at == 1_800_003_600


def test_lifetime_is_capped_at_one_hour() -> None:
    creds = turn_credentials("s", "7", ttl_seconds=86_400, now=1000)
    assert creds.expires_at == 1000 + MAX_TTL_SECONDS


@pytest.mark.parametrize(("secret", "user"), [("", "1"), ("s", "a:b")])
def test_unusable_inputs_are_refused(secret: str, user: str) -> None:
    with pytest.raises(ValueError):
        turn_credentials(secret, user)


def test_ice_servers_list_stun_and_turn_with_credentials() -> None:
    servers = ice_servers(
        stun_urls=["stun:turn.example.jp:3478"],
        turn_urls=["turn:turn.example.jp:3478"],
        turn_secret="north-star",
        user_id="42",
        now=1_800_000_000,
    )
    assert servers[0] == {"urls": ["stun:turn.example.jp:3478"]}
    assert (
        servers[1]["username"] == "1800003600:42"
        and servers[1]["credential"] == "LH8Uq2tDdY5LeYqvdS17RqhWKiQ="
    )
    assert ice_servers(stun_urls=[], turn_urls=["turn:x"], turn_secret=None, user_id="1") == []
