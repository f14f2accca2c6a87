"""The reports pages, one module per page group; ``reports/urls.py`` (and ``config/urls.py``, for the
home page in ``dashboards``) name them."""
