"""CAP 1.2 messages of bulletins: one ``<info>`` per language, Actual or Exercise, Alert / Update /
Cancel with ``<references>`` to every earlier message of the thread; validated against the schema
shipped in ``schemas/`` (see SOURCES.md there)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from lxml import etree

from guomen.lib.errors import DomainError

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "CAP-v1.2.xsd"
SENDER = "info@guomen.yn"
SENDER_NAME = {"zh-CN": "云南省应对疫情工作领导小组指挥部", "en-US": "Yunnan COVID-19 Response Command"}
LANGS = (("zh-CN", "zh"), ("en-US", "en"))
EVENT = {"zh-CN": "疫情防控信息发布", "en-US": "Epidemic prevention information"}


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def cap_time(at: datetime) -> str:
    """CAP wants an explicit offset and no fractions: 2026-11-30T08:00:00+08:00."""
    local = at.astimezone(ZoneInfo(str(settings.TIME_ZONE))).replace(microsecond=0)
    return local.isoformat()


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def thread(bulletin: Any) -> list[Any]:
    """The earlier messages this one follows, oldest first."""
    out = []
    b = bulletin.references
    while b is not None:
        out.append(b)
        b = b.references
    return list(reversed(out))


def build(bulletin: Any, *, sent: datetime, web: str) -> bytes:
    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(alert, "identifier", bulletin.cap_identifier)
    _sub(alert, "sender", SENDER)
    _sub(alert, "sent", cap_time(sent))
    _sub(alert, "status", "Exercise" if bulletin.exercise else "Actual")
    _sub(alert, "msgType", bulletin.msg_type)
    _sub(alert, "scope", "Public")
    if bulletin.exercise:
        _sub(alert, "note", "Exercise / 演练")
    earlier = thread(bulletin)
    if earlier:
        _sub(alert, "references", " ".join(f"{SENDER},{b.cap_identifier},{cap_time(b.published_at)}" for b in earlier))
    area = bulletin.village or bulletin.jurisdiction
    for lang, suffix in LANGS:
        info = _sub(alert, "info")
        _sub(info, "language", lang)
        _sub(info, "category", "Health")
        _sub(info, "event", EVENT[lang])
        _sub(info, "urgency", "Expected")
        _sub(info, "severity", "Minor")
        _sub(info, "certainty", "Observed")
        _sub(info, "senderName", SENDER_NAME[lang])
        _sub(info, "headline", getattr(bulletin, f"title_{suffix}"))
        _sub(info, "description", getattr(bulletin, f"body_{suffix}"))
        _sub(info, "web", web)
        for name, value in sorted((bulletin.figures or {}).get("totals", {}).items()):
            p = _sub(info, "parameter")
            _sub(p, "valueName", name)
            _sub(p, "value", str(value))
        a = _sub(info, "area")
        _sub(a, "areaDesc", area.name_zh if suffix == "zh" else area.name_en)
        geocode = _sub(a, "geocode")
        _sub(geocode, "valueName", "GB/T 2260")
        _sub(geocode, "value", area.code)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class CapInvalid(DomainError):
    pass


def validate(xml: bytes | str) -> etree._ElementTree:
    """The parsed document, or CapInvalid naming the first schema error."""
    data = xml.encode() if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.ElementTree(etree.fromstring(data, parser))
    s = schema()
    if not s.validate(doc):
        raise CapInvalid("cap_invalid", str(s.error_log.last_error))
    return doc


def parse(xml: bytes | str) -> dict[str, Any]:
    """What a reader of the message gets back: header fields and each info's language, headline, text."""
    doc = validate(xml)
    ns = {"c": NS}
    root = doc.getroot()

    def one(el: Any, path: str) -> str:
        found = el.find(path, ns)
        return found.text if found is not None else ""

    return {
        "identifier": one(root, "c:identifier"),
        "status": one(root, "c:status"),
        "msgType": one(root, "c:msgType"),
        "references": one(root, "c:references"),
        "infos": [
            {"language": one(i, "c:language"), "headline": one(i, "c:headline"), "description": one(i, "c:description")}
            for i in root.findall("c:info", ns)
        ],
    }
