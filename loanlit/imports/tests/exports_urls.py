"""The project's URLs with the export routes mounted, until ``loanlit/imports/urls.py`` includes them.

Once the include is in place this is the project's URLconf unchanged (the tests then run on it as is).
"""

from django.urls import NoReverseMatch, include, path, reverse

from config.urls import urlpatterns as project_urlpatterns
from loanlit.imports.exports import urls as export_urls

try:
    reverse("imports:export_csv", kwargs={"kind": "cases"}, urlconf="config.urls")
except NoReverseMatch:
    urlpatterns = [
        path("imports/exports/", include((export_urls.urlpatterns, "imports"), namespace="imports")),
        *project_urlpatterns,
    ]
else:
    urlpatterns = list(project_urlpatterns)
