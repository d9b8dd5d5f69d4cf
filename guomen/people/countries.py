"""ISO 3166-1 alpha-3 country codes and their names, shipped with the project (no network, no extra package).

``NEIGHBOURS`` are the countries a Yunnan port desk sees most; they come first in pickers.
ICAO machine-readable zones also use a few codes outside ISO 3166 (``ICAO_EXTRA``).
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .country_names import NAMES

NEIGHBOURS = {
    "CHN": _("China"),
    "MMR": _("Myanmar"),
    "LAO": _("Laos"),
    "VNM": _("Vietnam"),
    "THA": _("Thailand"),
    "IND": _("India"),
    "KHM": _("Cambodia"),
}

_CODES = """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS
BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV
CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM
GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN
IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE
LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS
MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK
PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR
SVK SVN SWE SWZ SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA
UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
"""
ISO3166_ALPHA3 = frozenset(_CODES.split())

# Codes ICAO 9303 uses in machine-readable zones beyond ISO 3166 (Germany's "D", the UN, stateless…).
ICAO_EXTRA = {"D": "DEU", "UNO": "UNO", "UNA": "UNA", "UNK": "UNK", "XXA": "XXA", "XXB": "XXB", "XXC": "XXC", "XXX": "XXX", "EUE": "EUE"}


def is_country(code: str) -> bool:
    return code in ISO3166_ALPHA3


def name(code: str) -> str:
    """The country's name in the active language ("MMR" → "缅甸" or "Myanmar"); an unknown code as it is."""
    if code in NEIGHBOURS:
        return str(NEIGHBOURS[code])
    names = NAMES.get(code)
    if names is None:
        return code
    return names[1] if (get_language() or "").lower().startswith("zh") else names[0]


def choices() -> list[tuple[str, str]]:
    """Neighbours first, then every other country by its name, each shown as "code · name" in the active language."""
    rest = sorted(ISO3166_ALPHA3 - set(NEIGHBOURS))
    return [(c, f"{c} · {name(c)}") for c in [*NEIGHBOURS, *rest]]
