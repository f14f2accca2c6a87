"""The meeting pages (三会一课), one module per page group; ``meetings/urls.py`` names them.

Thin: selectors read, services write, ``branches.access`` decides (404 outside the scope, 403 for
read-only). ``_common`` holds what several modules share.
"""
