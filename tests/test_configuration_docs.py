"""Every LOANLIT_* variable the code reads is documented in docs/configuration.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READERS = re.compile(r"""env_(?:str|bool|int|list|secret)\(\s*["']([A-Z0-9_]+)["']""")
LITERAL = re.compile(r"LOANLIT_[A-Z0-9_]+")


def _variables_in_code() -> set[str]:
    found: set[str] = set()
    sources = [*ROOT.glob("config/*.py"), *ROOT.glob("loanlit/**/*.py"), *ROOT.glob("scripts/*"), ROOT / "Makefile"]
    for path in sources:
        if "tests" in path.parts or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        found.update("LOANLIT_" + name for name in READERS.findall(text))
        found.update(LITERAL.findall(text))
    return found


def test_every_environment_variable_is_documented():
    documented = set(LITERAL.findall((ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")))
    documented |= {name + "_FILE" for name in documented}
    missing = sorted(v for v in _variables_in_code() if v not in documented and not v.endswith("_"))
    assert missing == []


def test_secret_key_is_required_outside_debug():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "LOANLIT_DEBUG": "false", "LOANLIT_SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "LOANLIT_SECRET_KEY" in result.stderr


def test_malformed_boolean_stops_start_up_with_the_variable_named():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "LOANLIT_DEBUG": "maybe"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "LOANLIT_DEBUG must be true or false" in result.stderr


def test_makemigrations_check_runs_on_a_bare_checkout_but_serving_commands_still_need_secrets():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin"}
    offline = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert offline.returncode == 0, offline.stderr
    assert "No changes detected" in offline.stdout
    serving = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert serving.returncode == 2
    assert "LOANLIT_SECRET_KEY" in serving.stderr
