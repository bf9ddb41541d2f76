"""Forms of the import pages. They parse and check input; the pipeline services decide what is allowed.

Every form that acts on a batch carries the batch's ``version`` (optimistic versioning, DESIGN rule 8):
a stale one is refused with 409 and nothing changes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from loanlit.cases.forms import StyledForm, VersionedForm
from loanlit.core.models import Creditor, OrgUnit
from loanlit.imports.kinds.base import FieldSpec, ImportKind, Preset
from loanlit.imports.models import ImportBatch


def _radios_as_checks(form: forms.BaseForm) -> None:
    """Bootstrap's radio class (the shared styling treats every other widget as a text input)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect):
            field.widget.attrs["class"] = "form-check-input"


UPLOAD_EXTENSIONS = (".xlsx", ".xlsm", ".csv", ".tsv")
ENCODINGS = (("utf-8", "UTF-8"), ("gb18030", "GB18030"), ("utf-16", "UTF-16"), ("big5", "Big5"))
NOT_MAPPED = ""


class ImportStartForm(StyledForm):
    """The "New import" form: what to import, for whom, and the file."""

    kind = forms.ChoiceField(label=_("What the file holds"))
    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=Creditor.objects.none())
    unit = forms.ModelChoiceField(
        label=_("Default handling unit"),
        queryset=OrgUnit.objects.none(),
        help_text=_("Used for rows that name no handling unit."),
    )
    preset = forms.ChoiceField(
        label=_("Source system"),
        required=False,
        help_text=_("Optional: the layout of a known system's export; leave empty to map the columns yourself."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx, .xlsm), CSV or tab-separated text (.csv, .tsv)."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_EXTENSIONS)}),
    )

    def __init__(
        self,
        *args: Any,
        kinds: Sequence[ImportKind],
        presets: Sequence[Preset],
        creditors: QuerySet[Creditor],
        units: QuerySet[OrgUnit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.presets = {preset.code: preset for preset in presets}
        kind_labels = {kind.code: kind.label for kind in kinds}
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(kind.code, kind.label) for kind in kinds]
        grouped: dict[str, list[tuple[str, Any]]] = {}
        for preset in presets:
            grouped.setdefault(preset.kind, []).append((preset.code, preset.label))
        cast(forms.ChoiceField, self.fields["preset"]).choices = [
            ("", _("None (map the columns yourself)")),
            *[(kind_labels.get(kind, kind), choices) for kind, choices in grouped.items()],
        ]
        cast(forms.ModelChoiceField, self.fields["creditor"]).queryset = creditors
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units
        if len(creditors) == 1:
            self.fields["creditor"].initial = creditors[0]
        if len(units):
            self.fields["unit"].initial = units[0]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        extension = os.path.splitext(upload.name or "")[1].lower()
        if extension not in UPLOAD_EXTENSIONS:
            raise forms.ValidationError(
                _("“%(name)s” is not a file this import reads. Upload an .xlsx, .xlsm, .csv or .tsv file."),
                params={"name": upload.name},
                code="extension",
            )
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("preset") or ""
        kind = data.get("kind")
        if code and kind and self.presets[code].kind != kind:
            self.add_error("preset", _("This source system's layout is for another kind of import."))
        return data


class MappingForm(VersionedForm):
    """One select per field of the kind, listing the file's columns; then the options of the run."""

    def __init__(self, *args: Any, batch: ImportBatch, kind: ImportKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch = batch
        self.kind = kind
        columns: list[tuple[str, Any]] = [(NOT_MAPPED, _("— not in the file —"))]
        columns += [(str(index), column_label(index, header)) for index, header in enumerate(batch.headers)]
        mapping = batch.mapping or batch.suggested_mapping or {}
        self.field_names: list[tuple[FieldSpec, str]] = []
        for spec in kind.fields:
            name = f"field_{spec.key}"
            initial = mapping.get(spec.key)
            self.fields[name] = forms.ChoiceField(
                label=str(spec.label),
                choices=columns,
                required=False,
                initial=str(initial) if initial is not None else NOT_MAPPED,
                help_text=str(spec.help),
            )
            self.field_names.append((spec, name))
        options = {**kind.default_options, **(batch.options or {})}
        self.option_names: list[str] = []
        if "grouping" in options:
            self.fields["grouping"] = forms.ChoiceField(
                label=_("Cases"),
                choices=ImportBatch.Grouping.choices,
                initial=options.get("grouping") or ImportBatch.Grouping.CONTRACT,
                widget=forms.RadioSelect,
            )
            self.option_names.append("grouping")
        if "overwrite" in options:
            self.fields["overwrite"] = forms.BooleanField(
                label=_("Overwrite values a user changed since the last import"),
                required=False,
                initial=bool(options.get("overwrite")),
                help_text=_("Off: such values are kept and listed as conflicts in the preview."),
            )
            self.option_names.append("overwrite")
        if "open_cases" in options:
            self.fields["open_cases"] = forms.BooleanField(
                label=_("Open a case for each new loan"),
                required=False,
                initial=bool(options.get("open_cases")),
                help_text=_("Off: the loans are imported without cases (open them later from the loan)."),
            )
            self.option_names.append("open_cases")
        if batch.format in ("csv", "tsv"):
            self.fields["encoding"] = forms.ChoiceField(
                label=_("Text encoding"),
                choices=[("", _("As detected")), *ENCODINGS],
                required=False,
                initial=batch.encoding_override,
            )
        if len(batch.sheet_names or []) > 1:
            self.fields["sheet"] = forms.ChoiceField(
                label=_("Sheet"),
                choices=[(name, name) for name in batch.sheet_names],
                initial=batch.sheet_name,
            )
        self._style()
        _radios_as_checks(self)

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The field selects in the kind's groups, in the kind's order."""
        groups: dict[str, list[forms.BoundField]] = {}
        for spec, name in self.field_names:
            groups.setdefault(spec.group, []).append(self[name])
        return list(groups.items())

    def required_keys(self) -> set[str]:
        return {f"field_{spec.key}" for spec, _name in self.field_names if spec.required}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        used: dict[str, str] = {}
        for _spec, name in self.field_names:
            column = data.get(name) or NOT_MAPPED
            if column == NOT_MAPPED:
                continue
            if column in used:
                self.add_error(
                    name,
                    _("This column is already mapped to “%(other)s”.") % {"other": self.fields[used[column]].label},
                )
            else:
                used[column] = name
        return data

    def mapping(self) -> dict[str, int]:
        return {
            spec.key: int(self.cleaned_data[name])
            for spec, name in self.field_names
            if self.cleaned_data.get(name) not in (None, NOT_MAPPED)
        }

    def options(self) -> dict[str, Any]:
        """Only the options this page offers; the service keeps the others as they are."""
        return {name: self.cleaned_data[name] for name in self.option_names}


def column_label(index: int, header: Any) -> str:
    """The column as "C · header": the spreadsheet letter and the header, so a blank or repeated header stays clear."""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    text = str(header or "").strip()
    return f"{letters} · {text}" if text else letters


class DuplicatesForm(VersionedForm):
    """One choice per duplicate group: which row of the group to import, or none of them."""

    KEEP_NONE = "none"

    def __init__(self, *args: Any, groups: Sequence[tuple[str, Sequence[int]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_names: list[tuple[str, str]] = []
        for index, (key, numbers) in enumerate(groups):
            name = f"group_{index}"
            self.fields[name] = forms.ChoiceField(
                label=key,
                choices=[
                    *[(str(number), _("Keep row %(number)s") % {"number": number}) for number in numbers],
                    (self.KEEP_NONE, _("Keep none of them")),
                ],
                widget=forms.RadioSelect,
            )
            self.group_names.append((key, name))
        self._style()
        _radios_as_checks(self)

    def keep(self) -> dict[str, int | None]:
        chosen: dict[str, int | None] = {}
        for key, name in self.group_names:
            value = self.cleaned_data[name]
            chosen[key] = None if value == self.KEEP_NONE else int(value)
        return chosen


class BatchActionForm(VersionedForm):
    """Commit and cancel: only the version the page was loaded with."""
