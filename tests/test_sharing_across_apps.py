"""A case share seen from the apps above cases (issue 10): who may be given the case's tasks and mentioned."""

from __future__ import annotations

import pytest

from loanlit.cases.services.sharing import case_share
from loanlit.cases.tests.views_support import build_case_world

pytestmark = pytest.mark.django_db


def test_an_editing_share_makes_the_recipient_a_task_assignee_and_a_view_share_only_mentionable(personas):
    from loanlit.collaboration.selectors import case_viewer_candidates
    from loanlit.workflow.selectors_tasks import assignee_candidates

    case = build_case_world(personas).case
    outsider, colleague = personas.outsider_branch, personas.outsider_creditor
    assert outsider not in assignee_candidates(case) and outsider not in case_viewer_candidates(case)
    share = case_share(actor=personas.case_handler, case=case, user=outsider)
    assert outsider in case_viewer_candidates(case)
    assert outsider not in assignee_candidates(case)  # view only: may not work the case
    case_share(actor=personas.case_handler, case=case, user=outsider, can_edit=True)
    assert outsider in assignee_candidates(case)
    assert share.pk == case.shares.get().pk
    assert colleague not in case_viewer_candidates(case)  # another creditor's user is never a candidate
