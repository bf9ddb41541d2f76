"""Pages for administrators: API keys and webhooks (namespace ``integration``, mounted at /integration/)."""

from __future__ import annotations

from loanlit.api import views_keys
from loanlit.api.webhooks import views as webhook_views

app_name = "integration"
urlpatterns = [*views_keys.urlpatterns, *webhook_views.urlpatterns]
