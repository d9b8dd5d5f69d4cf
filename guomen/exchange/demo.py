"""Demo partners (Muse, Luang Namtha, Lao Cai) and a few threads, with keys made locally."""

from __future__ import annotations

from django.db import transaction

from guomen.org.models import Unit

from . import services, signing
from .models import Partner

PARTNERS = [
    ("mm-muse", "缅甸木姐区", "Muse District, Myanmar", "မူဆယ်ခရိုင်", "MM", ["my"], "port-ruili"),
    ("la-luangnamtha", "老挝南塔省", "Luang Namtha Province, Laos", "ແຂວງຫຼວງນ້ຳທາ", "LA", ["lo"], "port-mohan"),
    ("vn-laocai", "越南老街省", "Lao Cai Province, Vietnam", "Tỉnh Lào Cai", "VN", ["vi"], "port-hekou"),
]


@transaction.atomic
def generate_demo_exchange() -> None:
    if Partner.objects.exists():
        return
    liaison = list(Unit.objects.filter(code="yn-command"))
    for authority, zh, en, local, country, langs, port in PARTNERS:
        key = signing.public_b64(signing.new_private_key())  # stands for the key they would give us
        services.partner_register(
            actor=None,
            authority=authority,
            name_zh=zh,
            name_en=en,
            name_local=local,
            country=country,
            base_url=f"https://exchange.{authority}.example",
            public_key=key,
            languages=langs,
            liaison_units=liaison,
            port_units=list(Unit.objects.filter(code=port)),
        )
