"""``{% url %}`` as Django's, reversing each URL pattern once (see ``branches/links.py``).

Registered as a template builtin (``config/settings/base.py``), so every template's ``{% url %}``
is this one: the portal's pages carry 20–90 links each, and Django's tag spent about a third of
the rendering time of a roster or a dues sheet in ``reverse()``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from branches.links import fast_reverse, request_where

register = template.Library()

_ENVIRONMENT = "branches.templatetags.links"  # its key in a render context


class LinkNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        # Django's URLNode.render with fast_reverse() in place of reverse()
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        current_app, where = _environment(context)
        url = ""
        try:
            url = fast_reverse(view_name, args=args, kwargs=kwargs, current_app=current_app, where=where)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


def _environment(context: Any) -> tuple[str | None, tuple[str, Any]]:
    """The current app, script prefix and urlconf: the same for every link of a page, so looked
    up once per template rendered (kept in its render context)."""
    found = context.render_context.get(_ENVIRONMENT)
    if found is None:
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        found = context.render_context[_ENVIRONMENT] = (current_app, request_where())
    return found


@register.tag
def url(parser: Any, token: Any) -> LinkNode:
    node = defaulttags.url(parser, token)
    return LinkNode(node.view_name, node.args, node.kwargs, node.asvar)
