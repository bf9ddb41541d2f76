"""Rendering .docx templates with docxtpl, and checking a template before it is stored.

Values are always autoescaped (a party named ``A&B融资担保有限公司`` stays valid XML and prints as is).
One filter is added to Jinja: ``value|box("是")`` prints ``☑是`` when ``value == "是"`` else ``□是`` —
the tick boxes of the court's element forms.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Final

from docx import Document as open_docx
from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateError, TemplateSyntaxError, meta
from lxml import etree

TICKED: Final = "\u2611"
EMPTY: Final = "\u25a1"
W_NS: Final = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TAG: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_OPENER: Final = re.compile(r"\{\{|\{%|\{#")
_CLOSER: Final = re.compile(r"\}\}|%\}|#\}")
_TEMPLATE_PARTS: Final = re.compile(r"^/word/(document|header\d*|footer\d*)\.xml$")


def box(value: Any, option: str) -> str:
    return (TICKED if str(value) == option else EMPTY) + option


def jinja_env() -> Environment:
    env = Environment(autoescape=True)
    env.filters["box"] = box
    return env


@dataclass
class TemplateCheck:
    """What checking a template found: the variables it uses and what is wrong with it."""

    variables: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # paragraph texts with a tag split across runs/paragraphs
    syntax: list[tuple[str, str]] = field(default_factory=list)  # (message, paragraph text)
    unreadable: bool = False

    @property
    def ok(self) -> bool:
        return not (self.unknown or self.broken or self.syntax or self.unreadable)


def _paragraph_runs(paragraph: Any) -> list[tuple[int, str]]:
    """(text-element index, text) for each w:t of a paragraph, in order."""
    texts = paragraph.iter(f"{{{W_NS}}}t")
    return [(index, node.text or "") for index, node in enumerate(texts)]


def _split_tags(xml: bytes) -> list[str]:
    """Paragraphs in which a placeholder is not typed in one Word run (or not closed in its paragraph)."""
    root = etree.fromstring(xml)
    broken: list[str] = []
    for paragraph in root.iter(f"{{{W_NS}}}p"):
        pieces = _paragraph_runs(paragraph)
        text = "".join(piece for _index, piece in pieces)
        if "{" not in text and "}" not in text:
            continue
        owner: list[int] = []
        for index, piece in pieces:
            owner.extend([index] * len(piece))
        bad = False
        spans = [(m.start(), m.end()) for m in _TAG.finditer(text)]
        for start, end in spans:
            if owner[start] != owner[end - 1]:
                bad = True
        rest = _TAG.sub("", text)
        if _OPENER.search(rest) or _CLOSER.search(rest):
            bad = True
        if bad:
            broken.append(text.strip())
    return broken


def _xml_parts(content: bytes) -> list[bytes]:
    document = open_docx(io.BytesIO(content))
    return [part.blob for part in document.part.package.parts if _TEMPLATE_PARTS.match(str(part.partname))]


def check_template(content: bytes, *, known: frozenset[str] | set[str]) -> TemplateCheck:
    """Parse ``content`` as a docxtpl template and compare the variables it uses with ``known``."""
    result = TemplateCheck()
    try:
        parts = _xml_parts(content)
        template = DocxTemplate(io.BytesIO(content))
        template.init_docx()
    except Exception:  # python-docx raises several types for a file that is not a .docx
        result.unreadable = True
        return result
    for xml in parts:
        result.broken.extend(_split_tags(xml))
    if result.broken:
        return result
    env = jinja_env()
    sources = [template.patch_xml(template.xml_to_string(template.docx._element.body))]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for rel in template.docx._part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                sources.append(template.patch_xml(rel.target_part.blob.decode("utf-8")))
    variables: set[str] = set()
    for source in sources:
        lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
        try:
            variables |= meta.find_undeclared_variables(env.parse(lines))
        except TemplateSyntaxError as error:
            paragraph = lines.splitlines()[error.lineno - 1] if error.lineno else ""
            result.syntax.append((error.message or "", re.sub(r"<[^>]+>", "", paragraph).strip()))
    result.variables = sorted(variables)
    result.unknown = sorted(variables - set(known))
    return result


# --- rendering ------------------------------------------------------------------------------------
#
# docxtpl re-reads the .docx with python-docx, re-runs its XML clean-up and re-compiles the Jinja
# template on every render (~180 ms for an element-style complaint). A template version never changes,
# so the cleaned-up and compiled parts are kept per SHA-256 and each render is only the Jinja render
# plus docxtpl's own post-processing of the result, written into a copy of the original package. The
# output is what docxtpl would write for these templates; templates using features that need
# python-docx objects (cell loops ``{%tc``, column spans, placeholders in headers' core properties or
# footnotes) go through DocxTemplate itself.

_FAST_PARTS: Final = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_NEEDS_DOCXTPL: Final = re.compile(r"\{%-?\s*tc\b|\{%-?\s*(colspan|cellbg|vm|hm)\b")
_CACHE_SIZE: Final = 64
# After the paragraph line breaks are joined again, these only come from filled-in values.
_LISTING_CHARS: Final = re.compile(r"[\t\a\f]|(?<!\?>)\n")


@dataclass(frozen=True)
class _Compiled:
    entries: tuple[tuple[zipfile.ZipInfo, bytes], ...]
    parts: dict[str, Any]  # part name → compiled Jinja template


_compiled_cache: OrderedDict[str, _Compiled | None] = OrderedDict()
_listing = DocxTemplate.resolve_listing  # uses no instance state


def _compile(content: bytes) -> _Compiled | None:
    env = jinja_env()
    helper = DocxTemplate(io.BytesIO(content))
    entries = []
    parts: dict[str, Any] = {}
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        for info in package.infolist():
            data = package.read(info)
            entries.append((info, data))
            text = data.decode("utf-8", errors="replace") if info.filename.endswith(".xml") else ""
            if not _OPENER.search(text):
                continue
            if not _FAST_PARTS.match(info.filename) or _NEEDS_DOCXTPL.search(text):
                return None  # e.g. placeholders in the core properties or footnotes: docxtpl renders those
            source = re.sub(r"<w:p([ >])", r"\n<w:p\1", helper.patch_xml(text))
            parts[info.filename] = env.from_string(source)
    return _Compiled(entries=tuple(entries), parts=parts)


def _compiled(content: bytes) -> _Compiled | None:
    key = hashlib.sha256(content).hexdigest()
    if key in _compiled_cache:
        _compiled_cache.move_to_end(key)
        return _compiled_cache[key]
    compiled = _compile(content)
    _compiled_cache[key] = compiled
    if len(_compiled_cache) > _CACHE_SIZE:
        _compiled_cache.popitem(last=False)
    return compiled


def _finish_part(xml: str) -> bytes:
    """docxtpl's post-processing of a rendered part (render_xml_part), then a strict XML check."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if _LISTING_CHARS.search(xml):  # a value with a tab, line or page break: docxtpl's listing rules
        xml = _listing(None, xml)  # type: ignore[arg-type]
    data = xml.encode("utf-8")
    etree.fromstring(data)  # raises XMLSyntaxError: never write a broken package
    return data


def _render_with_docxtpl(content: bytes, context: dict[str, Any]) -> bytes:
    template = DocxTemplate(io.BytesIO(content))
    template.render(context, jinja_env=jinja_env(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def render_docx(content: bytes, context: dict[str, Any]) -> bytes:
    """Render a template (its bytes) with ``context``; returns the .docx bytes. Raises TemplateError."""
    compiled = _compiled(content)
    if compiled is None:
        return _render_with_docxtpl(content, context)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for info, data in compiled.entries:
            template = compiled.parts.get(info.filename)
            if template is not None:
                try:
                    data = _finish_part(template.render(context))
                except etree.XMLSyntaxError as error:
                    raise TemplateError(f"the filled-in {info.filename} is not valid XML: {error}") from None
            package.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


__all__ = ["TemplateCheck", "TemplateError", "box", "check_template", "jinja_env", "render_docx"]
