"""Passwords are hashed with Argon2id at OWASP's recommended cost, and old hashes are upgraded."""

from argon2 import extract_parameters
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.test import override_settings

from config.settings import base

OWASP = ["config.hashers.OwaspArgon2PasswordHasher"]


@override_settings(PASSWORD_HASHERS=OWASP)
def test_new_hashes_use_owasp_parameters():
    encoded = make_password("zhibu2026")
    parameters = extract_parameters("$" + encoded.split("$", 1)[1])
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19 * 1024, 2, 1)
    assert parameters.type.name == "ID"


@override_settings(PASSWORD_HASHERS=OWASP)
def test_a_hash_made_with_djangos_default_still_checks_and_is_upgraded():
    old = Argon2PasswordHasher().encode("zhibu2026", Argon2PasswordHasher().salt())
    upgraded = []
    assert check_password("zhibu2026", old, setter=lambda raw: upgraded.append(make_password(raw)))
    assert upgraded and extract_parameters("$" + upgraded[0].split("$", 1)[1]).memory_cost == 19 * 1024


def test_the_portal_uses_it():
    assert base.PASSWORD_HASHERS[0] == OWASP[0]
