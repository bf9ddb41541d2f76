from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.collaboration.rendering import MAX_BODY_LENGTH


def _body_field() -> forms.CharField:
    return forms.CharField(
        label=_("Comment"),
        max_length=MAX_BODY_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control comment-body", "data-mention-input": "1"}),
        help_text=_("**bold**, *italic*, lists, links, `code` and > quotes; @username mentions a colleague."),
    )


INTERNAL = "internal"
SHARED = "shared"


class CommentForm(forms.Form):
    body = _body_field()
    # A select rather than a checkbox: a form that sends nothing keeps the comment internal.
    visibility = forms.ChoiceField(
        label=_("Who sees it"),
        choices=[(INTERNAL, _("Internal: the bank's staff only")), (SHARED, _("Shared with the law firm"))],
        required=False,
        initial=INTERNAL,
        widget=forms.Select(attrs={"class": "form-select form-select-sm comment-visibility"}),
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    document = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def is_internal(self) -> bool:
        return self.cleaned_data.get("visibility") != SHARED


class CommentEditForm(forms.Form):
    body = _body_field()
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
