from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.documents.models import DocumentCategory


class TemplateCreateForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.ModelChoiceField(label=_("Document category"), queryset=DocumentCategory.objects.none())
    cause_of_action = forms.CharField(label=_("Cause of action (empty: any)"), max_length=100, required=False)
    file = forms.FileField(label=_("Word template (.docx)"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].queryset = DocumentCategory.objects.filter(is_active=True)  # type: ignore[attr-defined]


class VersionUploadForm(forms.Form):
    file = forms.FileField(label=_("Word template (.docx)"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class GenerateForm(forms.Form):
    FORMAT_CHOICES = (("docx", _("Word (.docx)")), ("pdf", _("PDF")))

    template = forms.ChoiceField(label=_("Template"))
    cut_off = forms.DateField(
        label=_("Claim cut-off date (empty: the case's stored claim)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    output = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="docx")

    def __init__(self, *args: object, templates: list, pdf_available: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["template"].choices = [(t.code, t.name) for t in templates]  # type: ignore[attr-defined]
        if not pdf_available:
            self.fields["output"].choices = self.FORMAT_CHOICES[:1]  # type: ignore[attr-defined]
