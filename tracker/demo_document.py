"""The demo's 审议意见 as a clerk would paste it (page number and all), for ``demo.py``.

Composed for the demo in the shape of the documents committees publish; the names and
figures are not real.
"""
from .models import AnswerClass

PRIMARY_CARE_OPINION = """XX区人大常委会
关于区人民政府基层医疗卫生服务体系建设情况报告的审议意见

区人民政府：
　　区第十七届人大常委会第二十九次会议听取和审议了区人民政府关于基层医疗卫生服务体系建设情况的报告。会议认为，区政府推进基层医疗卫生服务体系建设取得积极成效。同时也存在一些问题：一是基层医疗卫生人才短缺；二是村卫生室服务能力不足；三是家庭医生签约服务质量不高。为此，提出如下审议意见：
　　一、加强基层医疗卫生人才队伍建设。落实基层卫生人才激励办法，提高乡镇卫生院岗位补贴标准。
　　二、提升村卫生室服务能力。年底前完成标准化村卫生室建设，配齐基本诊疗设备。
　　三、做实家庭医生签约服务。完善签约服务考核办法，重点人群签约服务覆盖率达到75%以上。
— 2 —
　　四、推进紧密型县域医共体建设。推动优质医疗资源下沉，实现检查检验结果互认。
　　五、加强慢性病规范化管理。提高高血压、糖尿病患者规范管理率。
　　六、完善基层急诊急救网络。优化急救站点布局，缩短急救平均响应时间。
　　七、推进基层中医药服务。乡镇卫生院全部设置中医馆。
　　八、加大财政保障力度。落实基层医疗卫生机构运行经费，建立稳定增长机制。
　　以上审议意见，请区人民政府认真研究处理，并将研究处理情况书面报告区人大常委会。

XX区人大常委会办公室
"""

LINES = [  # (status, months until the promised date or None, note) per point, as the report gives them
    ("done", None, "已出台基层卫生人才激励办法，岗位补贴每月提高300元。"),
    ("under_way", 1, "已完成42个，剩余9个年底前完成。"),
    ("mostly_done", None, "重点人群签约覆盖率达到73%。"),
    ("under_way", 6, "医共体检查检验结果互认平台建设中。"),
    ("done", None, "高血压、糖尿病规范管理率分别达到68%、66%。"),
    ("planned", 9, "急救站点布局调整列入明年计划。"),
    ("done", None, "12个乡镇卫生院已全部设置中医馆。"),
    ("mostly_done", None, "运行经费已纳入预算，增长机制正在研究。"),
]

# 答复分类 per line status: what the report's words amount to (B and C carry the line's date).
LINE_CLASSES = {"done": AnswerClass.A, "mostly_done": AnswerClass.A, "under_way": AnswerClass.B,
                "planned": AnswerClass.C, "not_adopted": AnswerClass.D}
