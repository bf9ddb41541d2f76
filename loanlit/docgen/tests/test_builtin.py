"""Every built-in template rendered for one case, its text asserted exactly."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loanlit.docgen import services
from loanlit.docgen.tests.helpers import paragraphs, table_rows, value_of
from loanlit.docgen.tests.support import BANK, CUT_OFF, build_world
from loanlit.documents import services as documents
from loanlit.documents.models import DocumentVersion

NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEFENDANT_LINE = (
    "被告：王<某>，男，1990年3月7日出生，证件号码：{ric}，住北京市朝阳区建国路8号，联系电话：13800130001（借款人）。"
)
TOTAL = "104,246.90"
WORDS = "壹拾万肆仟贰佰肆拾陆元玖角"


@pytest.fixture
def world(personas):
    return build_world(personas)


def _render(personas, world, code):
    with time_machine.travel(NOW, tick=False):
        return services.render_for_case(
            actor=personas.case_handler, case=world.case, template_code=code, cut_off=CUT_OFF
        )


def test_narrative_complaint(personas, world):
    texts = paragraphs(_render(personas, world, "complaint_narrative"))

    assert texts[0] == "民事起诉状"
    assert texts[1] == f"原告：{BANK}，住所地：北京市西城区金融大街1号，统一社会信用代码：91110000100000001X。"
    assert texts[3] == DEFENDANT_LINE.format(ric=world.ric)
    assert (
        texts[4]
        == "被告：A&B融资担保有限公司，住所地：，统一社会信用代码：91110105MA01ABCD2X，法定代表人：赵&钱（保证人）。"
    )
    assert texts[6] == "1．判令被告王<某>向原告偿还借款本金100,000.00元；"
    assert texts[8] == "3．判令被告A&B融资担保有限公司对上述债务承担连带清偿责任；"
    assert texts[10] == f"以上暂计至2026年12月3日，合计人民币{TOTAL}元（大写：{WORDS}）。"
    assert texts[-1] == "二〇二六年十二月五日"


def test_credit_card_element_complaint(personas, world):
    rows = table_rows(_render(personas, world, "complaint_element_credit_card"))

    assert value_of(rows, "1．透支本金：截至") == "2026年12月3日"
    assert value_of(rows, "共计（元）") == "4,246.90"
    assert value_of(rows, "自此日之后按照信用卡领用协议计算至实际清偿之日止") == "2026年12月4日"
    assert value_of(rows, "信用卡本金（元）") == "100,000.00"
    assert value_of(rows, "罚息（元）") == "1,234.56"
    assert value_of(rows, "7．标的总额（元）") == TOTAL
    assert value_of(rows, "6．是否向被告进行通知和催收") == "☑是  □否"


def test_private_lending_element_complaint(personas, world):
    rows = table_rows(_render(personas, world, "complaint_element_private_lending"))

    assert value_of(rows, "尚欠利息（元）") == "4,246.90"
    assert value_of(rows, "2．签订主体：出借人") == BANK
    assert value_of(rows, "提供方式") == "□现金  ☑转账  □其他"
    assert value_of(rows, "7．还款方式") == (
        "☑到期一次性还本付息  □按月计息、到期一次性还本  □按季计息、到期一次性还本  □按年计息、到期一次性还本  □其他"
    )
    assert value_of(rows, "标的总额（大写）") == WORDS


def test_preservation_and_enforcement_applications(personas, world):
    preservation = paragraphs(_render(personas, world, "preservation_application"))
    enforcement = paragraphs(_render(personas, world, "enforcement_application"))

    assert preservation[2] == f"被申请人：王<某>，证件号码：{world.ric}，住北京市朝阳区建国路8号。"
    assert preservation[5] == (
        f"请求依法查封、扣押、冻结被申请人名下价值人民币{TOTAL}元（大写：{WORDS}）的银行存款或其他等值财产。"
    )
    assert preservation[7].endswith("按《诉讼费用交纳办法》第十四条，申请费为人民币1,041.23元。")
    assert enforcement[0] == "强制执行申请书"
    assert enforcement[2] == f"被执行人：王<某>，证件号码：{world.ric}，住北京市朝阳区建国路8号。"
    assert enforcement[-1] == "二〇二六年十二月五日"


def test_lawyer_letter_and_collection_notice(personas, world):
    letter = paragraphs(_render(personas, world, "lawyer_letter"))
    notice = paragraphs(_render(personas, world, "collection_notice"))

    assert letter[1:3] == ["致：王<某>（借款人）", "致：A&B融资担保有限公司（保证人）"]
    assert letter[4] == (
        "据委托人提供的材料，贵方于2023年1月10日签订借款合同（编号JK-2023-0001），借款本金人民币100,000.00元；"
        "截至2026年12月3日，贵方尚欠本金人民币100,000.00元、利息（含罚息、复利）人民币4,246.90元，"
        f"合计人民币{TOTAL}元（大写：{WORDS}）。"
    )
    assert notice[3] == (
        "贵方与我行签订的借款合同（编号JK-2023-0001）项下借款本金人民币100,000.00元，借款期限2023年1月10日起至"
        "2024年1月10日止。截至2026年12月3日，尚欠本金100,000.00元、利息3,000.00元、罚息1,234.56元、复利12.34元，"
        f"合计{TOTAL}元（大写：{WORDS}）。"
    )
    assert notice[-3:-1] == [f"债权人：{BANK}", "2026年12月5日"]


def test_evidence_list_numbers_the_pages_of_the_case_evidence(personas, world):
    for title, pages in (("借款合同", 3), ("借据", 1), ("还款明细", 2)):
        document = documents.document_add(
            actor=personas.case_handler,
            case=world.case,
            category="evidence",
            title=title,
            filename=f"{title}.pdf",
            content=b"%PDF-1.4\n%test\n",
        )
        DocumentVersion.objects.filter(document=document).update(preview_pages=pages)

    content = _render(personas, world, "evidence_list")

    import io

    from docx import Document as open_docx

    table = open_docx(io.BytesIO(content)).tables[0]
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["序号", "证据名称", "页码", "页数"],
        ["1", "借款合同", "1-3", "3"],
        ["2", "借据", "4", "1"],
        ["3", "还款明细", "5-6", "2"],
    ]


def test_filing_pack_service_address_power_of_attorney_and_certificate(personas, world):
    service = table_rows(_render(personas, world, "service_address_confirmation"))
    power = paragraphs(_render(personas, world, "power_of_attorney"))
    certificate = paragraphs(_render(personas, world, "responsible_person_certificate"))

    assert value_of(service, "送达地址") == "北京市西城区金融大街1号"
    assert value_of(service, "是否同意电子送达") == "□是  ☑否"
    assert (
        power[4]
        == "现委托上述受托人在委托人与王<某>、A&B融资担保有限公司金融借款合同纠纷一案中，作为委托人的诉讼代理人。"
    )
    assert certificate[1] == "李行长在我单位担任行长职务，系我单位的法定代表人/负责人。"
    assert certificate[-1] == "2026年12月5日"
