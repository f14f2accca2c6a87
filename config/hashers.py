"""Password hashing at OWASP's recommended Argon2id cost (Password Storage Cheat Sheet: m=19 MiB,
t=2, p=1). Django's default asks for 100 MiB and 8 lanes per login: about 0.2 s of CPU and
100 MiB each, so a few threads of wrong passwords made every page slow. Hashes made with the old
parameters are re-made with these at the next successful login (Django's ``must_update``)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
