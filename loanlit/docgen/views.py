"""Pages: the template list and upload (administrators), generating a case's documents."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loanlit.cases import access
from loanlit.cases.views.common import actor, call_service, case_for_read, deny
from loanlit.docgen import pdf, selectors, services
from loanlit.docgen.context import CONTEXT_NAMES
from loanlit.docgen.forms import GenerateForm, TemplateCreateForm, VersionUploadForm


def _require_manage(request: HttpRequest) -> None:
    if not services.may_manage_templates(request.user):
        raise deny(request, services.MANAGE)


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    templates = list(selectors.template_list())
    rows = [(t, selectors.current_version(t)) for t in templates]
    return render(request, "docgen/template_list.html", {"rows": rows, "title": _("Document templates")})


@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    posted = request.method == "POST"
    form = TemplateCreateForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        template = call_service(
            form,
            services.template_create,
            actor=actor(request),
            code=data["code"],
            name=data["name"],
            category=data["category"],
            cause_of_action=data["cause_of_action"],
            filename=data["file"].name,
            content=data["file"],
        )
        if template is not None:
            return redirect("docgen:template_detail", pk=template.pk)
    context = {"form": form, "title": _("New document template"), "names": sorted(CONTEXT_NAMES)}
    return render(request, "docgen/template_form.html", context, status=400 if posted else 200)


@require_GET
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    template = selectors.template_get(pk=pk)
    context = {
        "template": template,
        "versions": list(template.versions.select_related("uploaded_by").order_by("-number")),
        "form": VersionUploadForm(),
        "title": template.name,
    }
    return render(request, "docgen/template_detail.html", context)


@require_http_methods(["POST"])
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    template = selectors.template_get(pk=pk)
    form = VersionUploadForm(request.POST, request.FILES)
    if form.is_valid():
        version = call_service(
            form,
            services.template_version_upload,
            actor=actor(request),
            template=template,
            filename=form.cleaned_data["file"].name,
            content=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
        )
        if version is not None:
            return redirect("docgen:template_detail", pk=template.pk)
    context = {
        "template": template,
        "versions": list(template.versions.select_related("uploaded_by").order_by("-number")),
        "form": form,
        "title": template.name,
    }
    return render(request, "docgen/template_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def case_generate(request: HttpRequest, case_pk: int) -> HttpResponse:
    """List the templates that fit the case, generate one, link to the stored document."""
    case = case_for_read(request, case_pk)  # 404 outside scope
    can_edit = access.can_edit(request.user, case)
    can_unmask = request.user.has_code(services.UNMASK)  # type: ignore[union-attr]
    templates = selectors.templates_for_case(case=case)
    posted = request.method == "POST"
    form = GenerateForm(
        request.POST if posted else None, templates=templates, pdf_available=pdf.soffice_path() is not None
    )
    if request.method == "POST":
        if not can_edit:
            raise deny(request, "cases.edit", case)
        if form.is_valid():
            document = call_service(
                form,
                services.document_generate,
                actor=actor(request),
                case=case,
                template_code=form.cleaned_data["template"],
                cut_off=form.cleaned_data["cut_off"],
                output=form.cleaned_data["output"],
            )
            if document is not None:
                return redirect(reverse("docgen:case", args=[case.pk]) + f"?generated={document.pk}")
    generated = list(selectors.generated_for_case(user=request.user, case=case)[:50])
    context = {
        "case": case,
        "form": form,
        "templates": templates,
        "generated": generated,
        "can_generate": can_edit and can_unmask and bool(templates),
        "can_edit": can_edit,
        "can_unmask": can_unmask,
        "title": _("Generate documents"),
    }
    return render(request, "docgen/case_generate.html", context, status=400 if posted else 200)
