"""Demo data of the public app, through the real services: a figures bulletin, a port notice
with its correction, a rule for returnees, answered questions (one asked twice), two reports."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from guomen.lib import clock
from guomen.places.models import BorderSegment, Passage

from . import services
from .models import Bulletin, MsgType, Question


def _publish(b: Bulletin, author, approver) -> Bulletin:
    return services.bulletin_approve(actor=approver, bulletin=services.bulletin_submit(actor=author, bulletin=b))


def generate() -> int:
    if Bulletin.objects.exists():
        return 0
    users = get_user_model().objects
    info, info2 = users.filter(username="info").first(), users.filter(username="info2").first()
    if info is None or info2 is None:
        return 0
    n = 0
    _publish(services.bulletin_draft_figures(actor=info, day=clock.today() - timedelta(days=1)), info, info2)
    n += 1
    port = Passage.objects.filter(code__icontains="mohan").first()
    notice = services.bulletin_draft(
        actor=info,
        topic="port",
        passage=port,
        title_zh="磨憨口岸暂停旅客通关",
        title_en="Mohan port closed to passengers",
        body_zh="自即日起，磨憨口岸暂停旅客通关，货运通道正常运行。请勿从便道、渡口出入境。",
        body_en="From today the Mohan port is closed to passengers; freight continues. Do not cross by paths or fords.",
    )
    notice = _publish(notice, info, info2)
    fix = services.bulletin_follow_up(
        actor=info2,
        bulletin=notice,
        msg_type=MsgType.UPDATE,
        body_zh="自即日起，磨憨口岸暂停旅客通关，货运通道每日8时至18时运行。请勿从便道、渡口出入境。",
        body_en="From today the Mohan port is closed to passengers; freight runs daily 08:00–18:00. Do not cross by paths or fords.",
    )
    _publish(fix, info2, info)
    rule = services.bulletin_draft(
        actor=info2,
        topic="returnees",
        title_zh="返乡人员须主动向村委会报备",
        title_en="People coming home must tell their village committee",
        body_zh="从境外或边境地区返乡的人员，请在到达当日向所在村委会或网格员报备，并配合健康监测。",
        body_en="Anyone coming home from abroad or a border area tells their village committee or grid worker on the day they arrive, and takes part in health monitoring.",
    )
    _publish(rule, info2, info)
    n += 3
    qa = [
        (
            "ports",
            "磨憨口岸什么时候恢复旅客通关？",
            "恢复时间将通过本平台权威发布，请以官方通告为准。",
            "The reopening date will be announced here; rely on official bulletins.",
        ),
        (
            "returnees",
            "从缅甸回来要隔离多少天？",
            "按现行政策执行集中隔离和居家健康监测，具体以所在县指挥部通知为准。",
            "Current rules apply: centralised quarantine, then home health monitoring; your county command confirms the details.",
        ),
        (
            "testing",
            "在哪里可以做核酸检测？",
            "各县设有检测点，请咨询村委会或拨打县指挥部电话。",
            "Each county has testing points; ask your village committee or call the county command.",
        ),
    ]
    first = None
    for topic, text, zh, en in qa:
        q = services.question_submit(text=text, language="zh-hans")
        services.question_moderate(actor=info, question=q, accept=True, topic=topic)
        services.question_answer(actor=info, question=q, answer_zh=zh, answer_en=en)
        services.question_approve(actor=info2, question=q)
        first = first or q
    again = services.question_submit(text="磨憨口岸哪天开放？", language="zh-hans")
    services.question_moderate(actor=info, question=Question.objects.get(pk=again.pk), accept=True, same_as=first)
    n += 4
    seg = BorderSegment.objects.filter(county__code="533102", responsible_person__isnull=False).order_by("code").first()
    if seg is not None:
        lon, lat = seg.geometry["coordinates"][1]
        for hours, what in ((6, "夜里有三个人背着包从河边小路过来"), (1, "河边小路附近又看到有人过来")):
            services.report_submit(
                kind="crossing", what=what, occurred_at=clock.now() - timedelta(hours=hours), lat=lat, lon=lon + 0.0002 * hours
            )
            n += 1
    return n
