"""The zh-Hans catalogue is primary and complete, and no Chinese hides outside it (DESIGN rule 12)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
TRANSLATION_CALLS = {
    # name: positions of the arguments that are message ids
    "_": (0,),
    "gettext": (0,),
    "gettext_lazy": (0,),
    "gettext_noop": (0,),
    "ngettext": (0, 1),
    "ngettext_lazy": (0, 1),
    "pgettext": (1,),
    "pgettext_lazy": (1,),
    "npgettext": (1, 2),
    "npgettext_lazy": (1, 2),
}


def zh_hans_catalogues() -> list[Path]:
    paths = sorted((ROOT / "locale").glob("zh_Hans/LC_MESSAGES/*.po"))
    paths += sorted((ROOT / "loanlit").glob("*/locale/zh_Hans/LC_MESSAGES/*.po"))
    return paths


# --- a small .po parser (polib is not a dependency) ---------------------------------------------


@dataclass
class PoEntry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(text: str) -> list[PoEntry]:
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int] | None = None
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            finish()
            continue
        if line.startswith("#,"):
            finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            if current is not None and target is not None:
                finish()
            continue
        if line.startswith("msgctxt"):
            finish()
            current = PoEntry(line=number, flags=pending_flags)
            pending_flags = set()
            target = ("ctxt", 0)
            continue
        if line.startswith("msgid_plural"):
            assert current is not None
            current.msgid_plural = _unquote(line[len("msgid_plural") :].strip())
            target = ("plural", 0)
            continue
        if line.startswith("msgid"):
            if current is None or target is None or target[0] != "ctxt":
                finish()
                current = PoEntry(line=number, flags=pending_flags)
                pending_flags = set()
            current.msgid = _unquote(line[len("msgid") :].strip())
            target = ("id", 0)
            continue
        if line.startswith("msgstr"):
            assert current is not None, f"msgstr without msgid at line {number}"
            match = re.match(r"msgstr(?:\[(\d+)\])?\s+(.*)", line)
            assert match, f"malformed msgstr at line {number}"
            index = int(match.group(1) or 0)
            current.msgstr[index] = _unquote(match.group(2))
            target = ("str", index)
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"continuation without entry at line {number}"
            kind, index = target
            value = _unquote(line)
            if kind == "id":
                current.msgid += value
            elif kind == "plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            elif kind == "str":
                current.msgstr[index] += value
            continue
        raise AssertionError(f"unexpected .po line {number}: {raw!r}")
    finish()
    return entries


def test_po_parser_reads_plurals_continuations_and_fuzzy_flags():
    text = (
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid "One %(n)s"\nmsgstr "一 %(n)s"\n\n'
        'msgid "Long "\n"text"\nmsgid_plural "Texts"\nmsgstr[0] ""\n\n'
        '#~ msgid "gone"\n#~ msgstr "旧"\n'
    )
    header, fuzzy, plural = parse_po(text)
    assert header.msgid == ""
    assert (fuzzy.msgid, fuzzy.msgstr, fuzzy.flags) == ("One %(n)s", {0: "一 %(n)s"}, {"fuzzy", "python-format"})
    assert (plural.msgid, plural.msgid_plural, plural.msgstr) == ("Long text", "Texts", {0: ""})


def test_there_is_a_project_catalogue_for_templates():
    assert ROOT / "locale/zh_Hans/LC_MESSAGES/django.po" in zh_hans_catalogues()


@pytest.mark.parametrize("path", zh_hans_catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_zh_hans_catalogue_is_complete_and_has_no_fuzzy_entries(path: Path):
    problems = []
    for entry in parse_po(path.read_text(encoding="utf-8")):
        if entry.msgid == "":
            continue  # the header
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
        if not entry.msgstr or any(not value.strip() for value in entry.msgstr.values()):
            problems.append(f"line {entry.line}: untranslated: {entry.msgid!r}")
    assert problems == []


@pytest.mark.parametrize("path", zh_hans_catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_zh_hans_catalogue_is_compiled_from_its_current_source(path: Path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `make messages`"
    assert compiled.stat().st_mtime >= path.stat().st_mtime, f"{compiled} is older than its .po: run `make messages`"


# --- no CJK outside translation catalogues ------------------------------------------------------


def _python_files() -> list[Path]:
    files = []
    for base in (ROOT / "loanlit", ROOT / "config"):
        for path in base.rglob("*.py"):
            relative = path.relative_to(ROOT).parts
            # law/ keeps its zh-Hans and English explanation texts in code (explain.register).
            if relative[:2] == ("loanlit", "law") or "tests" in relative:
                continue
            files.append(path)
    return sorted(files)


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def cjk_literals_outside_translation(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in TRANSLATION_CALLS:
            for position in TRANSLATION_CALLS[_call_name(node)]:  # type: ignore[index]
                if position < len(node.args):
                    allowed.add(id(node.args[position]))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allowed.add(id(body[0].value))  # docstrings document; they are never shown to users
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in allowed
        and CJK.search(node.value)
    )


def test_cjk_scanner_allows_translation_calls_and_docstrings_only():
    source = (
        '"""模块说明"""\n'
        "from django.utils.translation import gettext as _, pgettext\n"
        'A = _("中文")\n'
        'B = pgettext("上下文", "中文")\n'
        'C = "借款人"\n'
        'D = f"案号{C}"\n'
    )
    assert cjk_literals_outside_translation(source) == [(4, "上下文"), (5, "借款人"), (6, "案号")]


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_code_has_no_cjk_literals_outside_translation_calls(path: Path):
    assert cjk_literals_outside_translation(path.read_text(encoding="utf-8")) == []


TEMPLATE_TRANSLATED = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}"
    r"|\{%\s*trans(?:late)?\s.*?%\}"
    r"|\{#.*?#\}"
    r"|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}",
    re.DOTALL,
)


def _template_files() -> list[Path]:
    files = list((ROOT / "templates").rglob("*.html")) + list((ROOT / "templates").rglob("*.txt"))
    files += list((ROOT / "loanlit").glob("*/templates/**/*.html"))
    files += list((ROOT / "loanlit").glob("*/templates/**/*.txt"))
    return sorted(files)


def cjk_outside_template_translation(text: str) -> list[str]:
    remaining = TEMPLATE_TRANSLATED.sub("", text)
    return [line.strip() for line in remaining.splitlines() if CJK.search(line)]


def test_template_scanner_allows_translate_tags_and_comments_only():
    text = '{% translate "中文" %}\n{% blocktranslate %}共 {{ n }} 件{% endblocktranslate %}\n{# 注释 #}\n<p>借款人</p>'
    assert cjk_outside_template_translation(text) == ["<p>借款人</p>"]


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_cjk_text_outside_translate_tags(path: Path):
    assert cjk_outside_template_translation(path.read_text(encoding="utf-8")) == []


# --- the compiled catalogue is used -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "expected", "absent"),
    [("zh-CN,zh;q=0.9", "登录", "Sign in"), ("en-US,en;q=0.9", "Sign in", "登录")],
)
def test_login_page_follows_the_browser_language(client, accept_language, expected, absent):
    response = client.get(reverse("accounts:login"), headers={"accept-language": accept_language})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="sign-in-button">{expected}</button>' in html
    assert absent not in html


@pytest.mark.django_db
@pytest.mark.parametrize(("cookie", "lang", "button"), [("zh-hans", "zh-hans", "登录"), ("en", "en", "Sign in")])
def test_language_cookie_wins_over_the_browser_language(client, settings, cookie, lang, button):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    other = "en" if cookie == "zh-hans" else "zh-CN"

    html = client.get(reverse("accounts:login"), headers={"accept-language": other}).content.decode()

    assert f'<html lang="{lang}">' in html
    assert f'id="sign-in-button">{button}</button>' in html


@pytest.mark.django_db
def test_language_switch_sets_the_cookie_and_returns_to_the_page(client, settings):
    login = reverse("accounts:login")

    response = client.post(reverse("set_language"), {"language": "en", "next": login})

    assert response.status_code == 302
    assert response["Location"] == login
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'id="sign-in-button">Sign in</button>' in client.get(login).content.decode()


# --- every msgid in the code has its zh-Hans text --------------------------------------------------
# The completeness test above checks the entries a catalogue has; this one checks that the catalogues
# have every message the code asks for (a msgid added without running makemessages shows in English).

TEMPLATE_CALL = re.compile(
    r"\b(gettext|pgettext|ngettext|npgettext|_)\(\s*"
    r"((?:u?'(?:[^'\\]|\\.)*'|u?\"(?:[^\"\\]|\\.)*\")(?:\s*,\s*(?:u?'(?:[^'\\]|\\.)*'|u?\"(?:[^\"\\]|\\.)*\"))*)"
)


def _translated_messages() -> set[tuple[str, str]]:
    """(context, msgid) of every entry translated in some zh-Hans catalogue (Django merges them all)."""
    done: set[tuple[str, str]] = set()
    for path in zh_hans_catalogues():
        text = path.read_text(encoding="utf-8")
        contexts = _contexts_by_line(text)
        for entry in parse_po(text):
            if entry.msgid and "fuzzy" not in entry.flags and all(entry.msgstr.values()) and entry.msgstr:
                done.add((contexts.get(entry.line, ""), entry.msgid))
    return done


def _contexts_by_line(text: str) -> dict[int, str]:
    """The msgctxt of each entry, by the line number parse_po gives the entry (its msgctxt line)."""
    found = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("msgctxt "):
            found[number] = _unquote(line[len("msgctxt ") :])
    return found


def python_messages(source: str) -> list[tuple[int, str, str]]:
    """(line, context, msgid) of each translation call with literal arguments."""
    found = []
    for node in ast.walk(ast.parse(source)):
        name = _call_name(node) if isinstance(node, ast.Call) else None
        if name not in TRANSLATION_CALLS or name == "gettext_noop":
            continue
        args = node.args  # type: ignore[attr-defined]
        literal = [isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in args]
        if name.startswith(("pgettext", "npgettext")):
            if len(args) >= 2 and literal[0] and literal[1]:
                found.append((node.lineno, args[0].value, args[1].value))
        elif args and literal[0]:
            found.append((node.lineno, "", args[0].value))
    return found


def template_messages(source: str) -> list[tuple[str, str]]:
    from django.utils.translation.template import templatize

    found = []
    for match in TEMPLATE_CALL.finditer(templatize(source)):
        literals = re.sub(r"(^|,\s*)u(['\"])", r"\1\2", match.group(2))  # u'...' → '...' (not inside a text)
        values = ast.literal_eval("(" + literals + ",)")
        if match.group(1).startswith(("pgettext", "npgettext")):
            found.append((values[0], values[1]))
        else:
            found.append(("", values[0]))
    return found


def test_message_extractors_find_python_and_template_messages():
    source = 'A = _("One")\nB = pgettext_lazy("ctx", "Two")\nC = gettext(name)\nD = ngettext("a", "b", n)\n'
    assert python_messages(source) == [(1, "", "One"), (2, "ctx", "Two"), (4, "", "a")]
    template = (
        '{% load i18n %}{% translate "Three" %}{% translate "Four" context "door" %}'
        "{% blocktranslate trimmed with n=x %}\n  Hi {{ n }}\n  there{% endblocktranslate %}{% translate 'Thu' %}"
    )
    assert template_messages(template) == [("", "Three"), ("door", "Four"), ("", "Hi %(n)s there"), ("", "Thu")]


def _sources() -> list[Path]:
    return _python_files() + _template_files()


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_in_the_code_has_a_zh_hans_translation(path: Path, translated_messages):
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        wanted = {(ctx, msgid) for _line, ctx, msgid in python_messages(source)}
    else:
        wanted = set(template_messages(source))
    missing = sorted(msg for msg in wanted - translated_messages if msg[1].strip())
    assert missing == [], "run makemessages in the app (or the root for templates/) and translate these"


@pytest.fixture(scope="session")
def translated_messages() -> set[tuple[str, str]]:
    return _translated_messages()
