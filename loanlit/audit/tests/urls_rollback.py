"""A test-only route: a view that reads personal data inside a transaction, then answers 404."""

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path

from loanlit import audit


@transaction.atomic
def read_then_not_found(request: HttpRequest) -> HttpResponse:
    audit.access_log(
        user=request.user,
        action=audit.AccessAction.PERSONAL_DATA_READ,
        target=audit.TargetRef("parties.person", "42", "P-42"),
        request=request,
    )
    raise Http404


urlpatterns = [
    path("read/", read_then_not_found),
    path("audit/", include("loanlit.audit.urls")),
]
