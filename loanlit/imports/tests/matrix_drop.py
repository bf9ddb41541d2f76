"""Authorization-matrix rows for the drop-folder pages; collected by tests/test_authorization_matrix.py."""

from __future__ import annotations

from tests.support.authz import Route, code

MANAGE = code("api.manage")


def matrix_folder(world):
    """A configured drop folder (the row only: the matrix touches no disk)."""
    from loanlit.imports.models import DropFolder

    folder, _created = DropFolder.objects.get_or_create(
        name="Matrix folder",
        defaults={
            "path": "matrix/balances",
            "kind": "snapshots",
            "preset": "loanlit-snapshots",
            "creditor": world.personas.creditor if hasattr(world, "personas") else world.cw.case.creditor,
            "unit": world.cw.case.handling_unit,
            "run_as": world.case_handler,
        },
    )
    return folder


ROUTES: list = [
    Route("imports:drop_list", get=MANAGE),
    # An empty POST is a form with errors (200): nothing is written.
    Route("imports:drop_create", get=MANAGE, post=MANAGE),
    Route("imports:drop_detail", get=MANAGE, kwargs=lambda w: {"pk": matrix_folder(w).pk}),
    Route("imports:drop_edit", get=MANAGE, post=MANAGE, kwargs=lambda w: {"pk": matrix_folder(w).pk}),
]
