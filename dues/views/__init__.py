"""The 党费 pages and the 积分 pages (``points``), one module per page group; ``dues/urls.py`` names them.

Thin views over ``dues.services`` / ``dues.points`` and the selectors. Every unit comes through
``branches.access``: outsiders get 404, read-only accounts (and committee staff, who review but do
not keep branch ledgers) get 403 on any change. ``_common`` holds what several modules share.
"""
