"""Authorization-matrix rows for the dashboard routes (issue 11); collected by tests/test_authorization_matrix.py."""

ROUTES: list = []
