from django.conf import settings
from django.urls import include, path
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from loanlit.cases import views as case_views
from loanlit.core import views as core_views

handler400 = "loanlit.core.views.error_400"
handler403 = "loanlit.core.views.error_403"
handler404 = "loanlit.core.views.error_404"
handler500 = "loanlit.core.views.error_500"

urlpatterns = [
    # The site root is the case dashboard, still named "core:home" (LOGIN_REDIRECT_URL, the navbar, error pages).
    path("", include(([path("", case_views.dashboard, name="home")], "core"))),
    path("watermark.svg", core_views.watermark_svg, name="watermark"),
    path("accounts/", include("loanlit.accounts.urls")),
    path("notifications/", include("loanlit.notifications.urls")),
    path("jobs/", include("loanlit.jobs.urls")),
    path("audit/", include("loanlit.audit.urls")),
    path("rules/", include("loanlit.rules.urls")),
    path("parties/", include("loanlit.parties.urls")),
    path("loans/", include("loanlit.loans.urls")),
    path("cases/", include("loanlit.cases.urls")),
    path("deadlines/", include("loanlit.deadlines.urls")),
    path("documents/", include("loanlit.documents.urls")),
    path("docgen/", include("loanlit.docgen.urls")),
    path("batches/", include("loanlit.batches.urls")),
    path("workflow/", include("loanlit.workflow.urls")),
    path("collaboration/", include("loanlit.collaboration.urls")),
    path("enforcement/", include("loanlit.enforcement.urls")),
    path("imports/", include("loanlit.imports.urls")),
    path("", include("loanlit.reports.urls")),
    # Platform (issue 12): health and metrics at the root, the REST API, integration and backup pages.
    path("", include("loanlit.ops.urls")),
    path("api/", include("loanlit.api.urls")),
    path("integration/", include("loanlit.api.urls_admin")),
    path("backups/", include("loanlit.backups.urls")),
    path("i18n/setlang/", core_views.public(require_POST(set_language)), name="set_language"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
