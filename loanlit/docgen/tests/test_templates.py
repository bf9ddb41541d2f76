"""Uploading templates: checked before anything is stored; versions; the admin pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.docgen import services
from loanlit.docgen.context import CONTEXT_NAMES
from loanlit.docgen.models import DocTemplate, DocTemplateVersion
from loanlit.docgen.render import check_template
from loanlit.docgen.specs import builtin_specs, docx_path
from loanlit.docgen.tests.helpers import docx_with_runs, media_files, paragraphs
from loanlit.docgen.tests.support import CUT_OFF, build_world
from loanlit.law.zhdates import date_digits, date_numerals

GOOD = docx_with_runs(
    ["Borrower: ", "{{ borrowers[0].name }}"], ["Total: ", "{{ claim.total }} ({{ claim.total_words }})"]
)


def _create(actor, content, code="letter_test"):
    return services.template_create(
        actor=actor, code=code, name="Test letter", category="lawyer_letter", filename="letter.docx", content=content
    )


def test_a_placeholder_split_across_runs_is_refused_with_its_paragraph_and_nothing_stored(personas, media_and_english):
    broken = docx_with_runs(["Dear ", "{{ borrowers[0].", "name }}", ","])
    before = AuditEntry.objects.count()

    with pytest.raises(DomainError) as error:
        _create(personas.administrator, broken)

    assert "split across Word runs" in error.value.message
    assert "“Dear {{ borrowers[0].name }},”" in error.value.message
    assert not DocTemplate.objects.filter(code="letter_test").exists()
    assert AuditEntry.objects.count() == before
    assert media_files(media_and_english / "media") == []


def test_an_unknown_variable_is_refused_by_name_and_nothing_stored(personas, media_and_english):
    unknown = docx_with_runs(["{{ debtor_name }} owes {{ claim.total }} to {{ bank_nam }}"])

    with pytest.raises(DomainError) as error:
        _create(personas.administrator, unknown)

    assert error.value.params == {"unknown": ["bank_nam", "debtor_name"]}
    assert "bank_nam, debtor_name" in error.value.message
    assert DocTemplate.objects.count() == len(builtin_specs())
    assert media_files(media_and_english / "media") == []


def test_a_jinja_syntax_error_is_refused_with_its_paragraph(personas):
    with pytest.raises(DomainError) as error:
        _create(personas.administrator, docx_with_runs(["Intro"], ["{% if claim.total %}no end"]))

    assert "syntax error" in error.value.message
    assert not DocTemplate.objects.filter(code="letter_test").exists()


def test_a_file_that_is_not_a_docx_is_refused(personas):
    with pytest.raises(DomainError) as error:
        _create(personas.administrator, b"%PDF-1.4 not a word file")
    assert error.value.message == "This file is not a Word document (.docx) that can be read."


def test_a_new_upload_becomes_the_current_version_and_generation_uses_it(personas):
    template = _create(personas.administrator, GOOD)
    second = docx_with_runs(["Second: ", "{{ borrowers[0].name }}"])

    version = services.template_version_upload(
        actor=personas.administrator, template=template, filename="letter v2.docx", content=second
    )

    assert [(v.number, v.is_current) for v in template.versions.order_by("number")] == [(1, False), (2, True)]
    assert version.variables == ["borrowers"]
    world = build_world(personas)
    content = services.render_for_case(
        actor=personas.case_handler, case=world.case, template_code="letter_test", cut_off=CUT_OFF
    )
    assert paragraphs(content) == ["Second: 王<某>"]


def test_only_administrators_manage_templates(personas):
    with pytest.raises(PermissionDeniedError):
        _create(personas.case_handler, GOOD)
    assert not DocTemplate.objects.filter(code="letter_test").exists()


def test_template_pages_upload_and_refuse_for_others(client, personas):
    client.force_login(personas.administrator)
    assert client.get(reverse("docgen:template_list")).status_code == 200
    response = client.post(
        reverse("docgen:template_create"),
        {
            "code": "letter_test",
            "name": "Test letter",
            "category": "lawyer_letter",
            "file": SimpleUploadedFile("函 (v1).docx", GOOD),
        },
    )
    template = DocTemplate.objects.get(code="letter_test")
    assert response.status_code == 302
    assert DocTemplateVersion.objects.get(template=template).original_name == "函 (v1).docx"
    bad = client.post(
        reverse("docgen:version_upload", args=[template.pk]),
        {"file": SimpleUploadedFile("bad.docx", docx_with_runs(["{{ nobody }}"]))},
    )
    assert bad.status_code == 400
    assert b"nobody" in bad.content
    assert template.versions.count() == 1

    client.force_login(personas.case_handler)
    assert client.get(reverse("docgen:template_list")).status_code == 403
    assert client.get(reverse("docgen:template_detail", args=[template.pk])).status_code == 403


@pytest.mark.parametrize("spec", builtin_specs(), ids=lambda s: s["code"])
def test_every_builtin_template_passes_the_upload_check_and_is_seeded(spec, db):
    check = check_template(docx_path(spec).read_bytes(), known=CONTEXT_NAMES)
    assert (check.broken, check.syntax, check.unknown, check.unreadable) == ([], [], [], False)
    version = DocTemplateVersion.objects.get(template__code=spec["code"], is_current=True)
    assert version.template.builtin is True
    assert services.ensure_builtin_templates() == 0  # idempotent


def test_chinese_dates_in_both_styles():
    assert date_numerals(dt.date(2026, 12, 3)) == "二〇二六年十二月三日"
    assert date_numerals(dt.date(2030, 10, 20)) == "二〇三〇年十月二十日"
    assert date_numerals(dt.date(2001, 1, 31)) == "二〇〇一年一月三十一日"
    assert date_digits(dt.date(2026, 12, 3)) == "2026年12月3日"


def test_the_cached_renderer_writes_what_docxtpl_writes(personas):
    from loanlit.docgen.context import build_context
    from loanlit.docgen.render import _render_with_docxtpl, render_docx
    from loanlit.docgen.tests.helpers import table_rows

    world = build_world(personas)
    context = build_context(case=world.case, cut_off=CUT_OFF, reveal=True)
    context["complaint"]["other_matters"] = "first line\nsecond line"
    content = docx_path(builtin_specs()[0]).read_bytes()

    fast, slow = render_docx(content, context), _render_with_docxtpl(content, context)

    assert table_rows(fast) == table_rows(slow)
    assert paragraphs(fast) == paragraphs(slow)
    assert ("18．其他需要说明的内容（可另附页）", "first line\nsecond line") in table_rows(fast)


@pytest.mark.parametrize("spec", builtin_specs(), ids=lambda s: s["code"])
def test_committed_builtin_docx_is_what_build_writes_from_its_spec(spec):
    import io
    import zipfile

    from loanlit.docgen.builtin.build import build

    def body(content: bytes) -> bytes:
        return zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml")

    assert body(build(spec)) == body(docx_path(spec).read_bytes()), "run python -m loanlit.docgen.builtin.build"
