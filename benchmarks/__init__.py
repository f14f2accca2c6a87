"""The benchmark and load harness (``manage.py bench``, ``manage.py loadtest``).

It sits on top of the apps: it may import from any of them, and none of them imports from it.
"""
