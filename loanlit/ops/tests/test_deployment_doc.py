"""docs/deployment.md stays true to the code: the nginx upload limit, the variables, the gunicorn hook."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings

from loanlit.core.middleware import MULTIPART_OVERHEAD_BYTES

ROOT = Path(__file__).resolve().parents[3]
DEPLOYMENT = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
MIB = 1024 * 1024
DEFAULT_UPLOAD_MB = 200


def test_nginx_upload_limit_matches_the_applications_default_limit() -> None:
    limits = re.findall(r"client_max_body_size\s+(\d+)m;", DEPLOYMENT)
    assert limits and set(limits) == {"201"}
    assert int(limits[0]) * MIB == DEFAULT_UPLOAD_MB * MIB + MULTIPART_OVERHEAD_BYTES
    if "LOANLIT_MAX_UPLOAD_MB" not in os.environ:
        assert settings.MAX_UPLOAD_BYTES == DEFAULT_UPLOAD_MB * MIB


def test_the_guide_names_only_variables_that_exist() -> None:
    documented = set(re.findall(r"LOANLIT_[A-Z0-9_]+", (ROOT / "docs" / "configuration.md").read_text("utf-8")))
    documented |= {name + "_FILE" for name in documented}
    used = set(re.findall(r"LOANLIT_[A-Z0-9_]+", DEPLOYMENT))
    assert sorted(used - documented) == []


def test_serve_script_runs_gunicorn_with_the_hooks_and_a_fresh_metrics_directory() -> None:
    script = (ROOT / "scripts" / "serve.sh").read_text(encoding="utf-8")
    assert "-c loanlit/ops/gunicorn_conf.py" in script
    assert 'PROMETHEUS_MULTIPROC_DIR="$PWD/var/prometheus"' in script
    assert "rm -rf var/prometheus" in script


def test_gunicorn_child_exit_marks_the_dead_workers_metric_files(monkeypatch: Any, tmp_path: Path) -> None:
    conf = importlib.import_module("loanlit.ops.gunicorn_conf")
    marked: list[int] = []
    monkeypatch.setattr(conf.multiprocess, "mark_process_dead", marked.append)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    conf.child_exit(None, SimpleNamespace(pid=4242))
    assert marked == []
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf.child_exit(None, SimpleNamespace(pid=4242))
    assert marked == [4242]
    assert conf.accesslog is None


@pytest.mark.parametrize("fmt, has_dict", [("json", True), ("plain", False)])
def test_gunicorn_logs_json_lines_when_the_app_does(monkeypatch: Any, fmt: str, has_dict: bool) -> None:
    monkeypatch.setenv("LOANLIT_LOG_FORMAT", fmt)
    conf = importlib.reload(importlib.import_module("loanlit.ops.gunicorn_conf"))
    try:
        assert bool(conf.logconfig_dict) is has_dict
        if has_dict:
            assert conf.logconfig_dict["formatters"]["json"]["()"] == "loanlit.ops.logs.JsonFormatter"
    finally:
        monkeypatch.delenv("LOANLIT_LOG_FORMAT")
        importlib.reload(conf)
