from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from loanlit.jobs import services, worker
from loanlit.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler_job(personas: Any) -> Job:
    return services.job_enqueue(kind="jobs.demo_count", params={"n": 3}, actor=personas.case_handler)


def finish(job: Job) -> Job:
    services.job_claim(job_id=job.pk, worker_id="w")
    worker.run_claimed_job(job_id=job.pk, worker_id="w")
    job.refresh_from_db()
    return job


def test_owner_sees_the_job_page_with_a_polling_progress_bar(client: Client, personas: Any, handler_job: Job) -> None:
    client.force_login(personas.case_handler)
    response = client.get(reverse("jobs:job_detail", args=[handler_job.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'hx-get="{reverse("jobs:job_progress", args=[handler_job.pk])}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "<progress" in html
    assert "hx-on" not in html
    assert "<script>" not in html


def test_the_progress_partial_stops_polling_once_the_job_finished(
    client: Client, personas: Any, handler_job: Job
) -> None:
    finish(handler_job)
    client.force_login(personas.case_handler)
    response = client.get(reverse("jobs:job_progress", args=[handler_job.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert 'value="100" max="100"' in html
    assert "<html" not in html


def test_another_users_job_is_not_found_everywhere(client: Client, personas: Any, handler_job: Job) -> None:
    finish(handler_job)
    client.force_login(personas.outsider_branch)
    for name in ("jobs:job_detail", "jobs:job_progress", "jobs:job_download"):
        assert client.get(reverse(name, args=[handler_job.pk])).status_code == 404
    assert client.post(reverse("jobs:job_cancel", args=[handler_job.pk])).status_code == 404


def test_an_outsider_cannot_cancel_a_running_job_and_nothing_changes(
    client: Client, personas: Any, handler_job: Job
) -> None:
    services.job_claim(job_id=handler_job.pk, worker_id="w")
    client.force_login(personas.outsider_creditor)
    assert client.post(reverse("jobs:job_cancel", args=[handler_job.pk])).status_code == 404
    handler_job.refresh_from_db()
    assert handler_job.cancel_requested is False
    assert handler_job.state == Job.State.RUNNING


def test_the_list_shows_own_jobs_and_view_all_shows_everyones(client: Client, personas: Any) -> None:
    mine = services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler)
    theirs = services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.outsider_branch)
    client.force_login(personas.case_handler)
    page = client.get(reverse("jobs:job_list"))
    assert page.status_code == 200
    assert [j.pk for j in page.context["page"].object_list] == [mine.pk]
    client.force_login(personas.auditor)  # has jobs.view_all
    page = client.get(reverse("jobs:job_list"))
    assert [j.pk for j in page.context["page"].object_list] == [theirs.pk, mine.pk]
    assert client.get(reverse("jobs:job_detail", args=[theirs.pk])).status_code == 200


def test_the_list_filters_by_state(client: Client, personas: Any) -> None:
    queued = services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler)
    finish(services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler))
    client.force_login(personas.case_handler)
    page = client.get(reverse("jobs:job_list"), {"state": "queued"})
    assert [j.pk for j in page.context["page"].object_list] == [queued.pk]
    page = client.get(reverse("jobs:job_list"), {"state": "bogus"})
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 2


def test_the_list_runs_a_fixed_number_of_queries(
    client: Client, personas: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(15):
        services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler)
    client.force_login(personas.auditor)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("jobs:job_list")).status_code == 200


def test_owner_cancels_a_queued_job_by_post(client: Client, personas: Any, handler_job: Job) -> None:
    client.force_login(personas.case_handler)
    url = reverse("jobs:job_cancel", args=[handler_job.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job_detail", args=[handler_job.pk])
    handler_job.refresh_from_db()
    assert handler_job.state == Job.State.CANCELLED


def test_cancel_through_htmx_returns_the_partial(client: Client, personas: Any, handler_job: Job) -> None:
    services.job_claim(job_id=handler_job.pk, worker_id="w")
    client.force_login(personas.case_handler)
    response = client.post(reverse("jobs:job_cancel", args=[handler_job.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="job-progress"' in response.content.decode()
    handler_job.refresh_from_db()
    assert handler_job.cancel_requested is True


def test_cancelling_a_finished_job_shows_a_message_not_an_error_page(
    client: Client, personas: Any, handler_job: Job
) -> None:
    finish(handler_job)
    client.force_login(personas.case_handler)
    response = client.post(reverse("jobs:job_cancel", args=[handler_job.pk]), follow=True)
    assert response.status_code == 200
    assert "This job has already finished and cannot be cancelled." in response.content.decode()
    handler_job.refresh_from_db()
    assert handler_job.state == Job.State.SUCCEEDED


def test_result_file_downloads_with_an_rfc5987_filename(
    client: Client, personas: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 2, "with_file": True}, actor=personas.case_handler)
    finish(job)
    client.force_login(personas.case_handler)
    response = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="count.txt"'
    assert b"".join(response.streaming_content) == b"1\n2\n"


def test_download_of_a_job_without_a_file_is_not_found(client: Client, personas: Any, handler_job: Job) -> None:
    finish(handler_job)
    client.force_login(personas.case_handler)
    assert client.get(reverse("jobs:job_download", args=[handler_job.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, handler_job: Job) -> None:
    response = client.get(reverse("jobs:job_detail", args=[handler_job.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_chinese_result_filename_survives_the_download(
    client: Client, personas: Any, settings: Any, tmp_path: Any, register_handler: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    name = "\u5bfc\u51fa.csv"  # "export" in Chinese, escaped to keep CJK out of the source
    register_handler("test.export", lambda ctx: ctx.save_result_file(name, b"a,b\n") and None)
    job = services.job_enqueue(kind="test.export", params={}, actor=personas.case_handler)
    finish(job)
    client.force_login(personas.case_handler)
    response = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith("filename*=UTF-8''%E5%AF%BC%E5%87%BA.csv")


def test_an_owner_only_result_is_offered_to_its_owner_and_to_nobody_else(
    client: Client, personas: Any, settings: Any, tmp_path: Any, register_handler: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    register_handler(
        "test.private", lambda ctx: ctx.save_result_file("rows.csv", b"a\n") and None, owner_only_result=True
    )
    job = services.job_enqueue(kind="test.private", params={}, actor=personas.case_handler)
    finish(job)
    link = reverse("jobs:job_download", args=[job.pk])

    client.force_login(personas.auditor)  # jobs.view_all: sees the job, not its file
    page = client.get(reverse("jobs:job_detail", args=[job.pk]))
    assert page.status_code == 200
    assert link not in page.content.decode()
    assert client.get(link).status_code == 404

    client.force_login(personas.case_handler)
    page = client.get(reverse("jobs:job_detail", args=[job.pk]))
    assert link in page.content.decode()
    assert client.get(link).status_code == 200
