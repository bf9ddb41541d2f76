"""Forms of the document store. Files are read by the views (several per request, streamed); these
forms carry the metadata."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loanlit.cases.models import Case, Proceeding
from loanlit.documents import selectors
from loanlit.documents.models import Document, DocumentCategory

TAG_SEPARATORS = re.compile(r"[,;\uff0c\uff1b\u3001]")


def split_tags(raw: str) -> list[str]:
    # Chinese commas (full-width comma, enumeration comma) separate tags too.
    return [part.strip() for part in TAG_SEPARATORS.split(raw or "") if part.strip()]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DocumentCategory) -> str:
        return str(obj)


class MetadataFields(forms.Form):
    category = CategoryChoiceField(label=_("Category"), queryset=DocumentCategory.objects.none())
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Left empty: the file name without its extension."),
    )
    proceeding = forms.ModelChoiceField(label=_("Proceeding"), queryset=Proceeding.objects.none(), required=False)
    doc_date = forms.DateField(label=_("Document date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.categories()  # type: ignore[attr-defined]
        self.fields["proceeding"].queryset = Proceeding.objects.filter(case=case).order_by("pk")  # type: ignore[attr-defined]

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data.get("tags") or "")


class UploadForm(MetadataFields):
    source = forms.ChoiceField(
        label=pgettext_lazy("document", "Source"), choices=Document.Source.choices, initial=Document.Source.UPLOADED
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class DocumentEditForm(MetadataFields):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class VersionedActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Letters, digits and underscores."))
    label = forms.CharField(label=_("Category name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=200)
