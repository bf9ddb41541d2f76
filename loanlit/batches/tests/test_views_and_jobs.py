from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loanlit.audit.models import AuditEntry
from loanlit.batches.models import BatchItem
from loanlit.cases.models import Proceeding
from loanlit.jobs.models import Job
from loanlit.jobs.worker import run_pending

pytestmark = pytest.mark.django_db


def _run():
    return run_pending(worker_id="test-worker")


def test_the_handler_builds_screens_and_packs_a_batch_through_the_pages(client, world):
    client.force_login(world.personas.case_handler)
    assert client.get(reverse("batches:batch_list")).status_code == 200
    select = reverse("batches:batch_select", args=[world.batch.pk])
    page = client.get(select)
    assert page.status_code == 200
    assert world.a.internal_no in page.content.decode() and world.gd.internal_no not in page.content.decode()
    response = client.post(select, {"case": [world.a.pk, world.b.pk, world.c.pk, world.d.pk]})
    assert response.status_code == 302
    assert client.post(reverse("batches:batch_screen", args=[world.batch.pk])).status_code == 302
    screen_job = Job.objects.get(kind="batches.screen")
    assert (screen_job.pk, "succeeded") in _run()
    assert Job.objects.get(kind="batches.screen").result == {
        "pending": 0,
        "included": 3,
        "excluded": 1,
        "needs_court": 0,
    }
    detail = client.get(world.batch.get_absolute_url()).content.decode()
    assert "The claim of 20,000.00 is below the batch threshold of 50,000.00." in detail
    assert "北京市海淀区人民法院" in detail
    client.post(reverse("batches:batch_packs", args=[world.batch.pk]))
    _run()
    job = Job.objects.get(kind="batches.packs")
    assert job.state == "succeeded" and job.result == {"generated": 2, "failed": 1}
    assert job.errors == [
        {
            "message": "赵六 has no identity document number on file.",
            "row": world.batch.items.get(case=world.c).pk,
            "code": "pack_failed",
            "case": world.c.internal_no,
        }
    ]
    court = world.batch.items.get(case=world.a).court_id
    client.post(reverse("batches:batch_package", args=[world.batch.pk]), {"court": court})
    _run()
    package = Job.objects.get(kind="batches.court_package")
    assert package.state == "succeeded" and package.result == {"court": court, "cases": 2, "documents": 16}
    assert package.result_filename == "2025年第4批_北京市朝阳区人民法院.zip"  # storage names take no spaces
    download = client.get(reverse("jobs:job_download", args=[package.pk]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.namelist()[-1] == "case list.xlsx"
    # Personal data inside: not even an auditor (jobs.view_all) downloads it.
    client.force_login(world.personas.auditor)
    assert client.get(reverse("jobs:job_download", args=[package.pk])).status_code in (403, 404)


def test_the_court_list_upload_writes_back_through_a_job(client, world):
    from loanlit.batches import services
    from loanlit.batches.services import packs

    handler = world.personas.case_handler
    services.batch_add_items(actor=handler, batch=world.batch, cases=[world.a])
    services.batch_screen(actor=handler, batch=world.batch)
    packs.batch_generate_packs(actor=handler, batch=world.batch)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["Internal case number", "Court case number", "Filing date", "Fee notice amount"],
            [world.a.internal_no, "（2025）京0105民初777号", "2025-12-16", "2300"],
        ]
    )
    upload = SimpleUploadedFile("回执 (法院).csv", buffer.getvalue().encode("gb18030"), content_type="text/csv")
    client.force_login(handler)
    assert client.post(reverse("batches:batch_write_back", args=[world.batch.pk]), {"file": upload}).status_code == 302
    _run()
    job = Job.objects.get(kind="batches.write_back")
    assert job.state == "succeeded" and job.result == {"rows": 1, "written": 1, "unchanged": 0, "errors": []}
    proceeding = Proceeding.objects.get(case=world.a)
    assert (proceeding.court_case_number, proceeding.filed_on) == ("（2025）京0105民初777号", dt.date(2025, 12, 16))


def test_an_outsider_gets_404_on_every_batch_page_and_nothing_changes(client, world):
    from loanlit.batches import services

    services.batch_add_items(actor=world.personas.case_handler, batch=world.batch, cases=[world.a])
    item = world.batch.items.get()
    before = (AuditEntry.objects.count(), BatchItem.objects.count(), Job.objects.count())  # documents queue jobs too
    pk = world.batch.pk
    client.force_login(world.personas.outsider_branch)
    for name in ("batch_detail", "batch_select"):
        assert client.get(reverse(f"batches:{name}", args=[pk])).status_code == 404
    for name in ("batch_screen", "batch_packs", "batch_package", "batch_write_back"):
        assert client.post(reverse(f"batches:{name}", args=[pk]), {"court": 1}).status_code == 404
    assert client.post(reverse("batches:item_remove", args=[pk, item.pk])).status_code == 404
    assert client.post(reverse("batches:batch_select", args=[pk]), {"case": [world.gd.pk]}).status_code == 404
    assert (AuditEntry.objects.count(), BatchItem.objects.count(), Job.objects.count()) == before


def test_the_handler_cannot_add_another_branchs_case_by_posting_its_id(client, world):
    client.force_login(world.personas.case_handler)
    before = AuditEntry.objects.count()
    response = client.post(reverse("batches:batch_select", args=[world.batch.pk]), {"case": [world.a.pk, world.gd.pk]})
    assert response.status_code == 404
    assert world.batch.items.count() == 0 and AuditEntry.objects.count() == before


def test_a_viewer_who_may_not_run_batches_sees_the_batch_but_cannot_act(client, world):
    client.force_login(world.personas.branch_manager)
    assert client.get(world.batch.get_absolute_url()).status_code == 200
    assert client.post(reverse("batches:batch_screen", args=[world.batch.pk])).status_code == 403
    assert not Job.objects.filter(kind__startswith="batches.").exists()
    client.force_login(world.personas.external_lawyer)
    assert client.get(reverse("batches:batch_list")).status_code == 404


def test_a_new_batch_is_created_from_the_form(client, personas):
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("batches:batch_add"),
        {"name": "Batch 1", "creditor": personas.creditor.pk, "filing_on": "2025-12-15", "min_claim": "5,000.50"},
    )
    from loanlit.batches.models import Batch

    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("batches:batch_select", args=[batch.pk])
    assert (batch.name, str(batch.min_claim), batch.unit_id, batch.unit_path) == (
        "Batch 1",
        "5000.50",
        personas.beijing.pk,
        personas.beijing.path,
    )


def test_the_batch_pages_render_in_chinese_with_the_reasons_translated(client, world):
    from django.utils import translation

    from loanlit.batches import services

    handler = world.personas.case_handler
    services.batch_add_items(actor=handler, batch=world.batch, cases=[world.a, world.b])
    services.batch_screen(actor=handler, batch=world.batch)
    client.force_login(handler)
    with translation.override("zh-hans"):
        html = client.get(world.batch.get_absolute_url(), headers={"accept-language": "zh-CN"}).content.decode()
        select = client.get(
            reverse("batches:batch_select", args=[world.batch.pk]) + "?loan-min_days_past_due=30",
            headers={"accept-language": "zh-CN"},
        )
    assert "标的额 20,000.00 低于本批次门槛 50,000.00。" in html
    assert "保证合同 BZ-2024-0001 的保证期间已于 2025-12-01 届满" in html
    assert "纳入案件（按法院）" in html
    assert select.status_code == 200 and "未立案的借款" in select.content.decode()
