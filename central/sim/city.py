"""The simulated Nantong's fixed catalogues: domains, departments, services, warning items.

Counts follow the published facts (1+10+96 command centres, 65 departments,
100 warning items, 78 hotlines merged into 12345); names are plausible where
no list is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kernel import geo

DOMAINS = ("党建引领", "经济发展", "社会治理", "政务服务", "公共安全", "城市运行")

DEPARTMENTS = (
    "市委组织部", "市委宣传部", "市委政法委", "市委统战部", "市发展改革委", "市教育局", "市科技局",
    "市工业和信息化局", "市公安局", "市民政局", "市司法局", "市财政局", "市人力资源社会保障局",
    "市自然资源和规划局", "市生态环境局", "市住房城乡建设局", "市城市管理局", "市交通运输局", "市水利局",
    "市农业农村局", "市商务局", "市文化广电和旅游局", "市卫生健康委", "市退役军人事务局", "市应急管理局",
    "市审计局", "市国资委", "市市场监管局", "市统计局", "市医疗保障局", "市体育局", "市信访局",
    "市数据局", "市行政审批局", "市机关事务管理局", "市地方金融管理局", "市政务服务管理办公室",
    "市粮食和物资储备局", "市国防动员办", "市民族宗教局", "市档案馆", "市住房公积金管理中心",
    "市不动产登记中心", "市社会保险基金管理中心", "市公安局交通警察支队", "市消防救援支队", "市税务局",
    "市气象局", "南通海关", "南通海事局", "市邮政管理局", "市烟草专卖局", "市总工会", "团市委", "市妇联",
    "市残联", "市红十字会", "市科协", "市供电公司", "市水务集团", "市燃气公司", "市公交集团",
    "市通信发展管理办公室", "市中级人民法院", "市人民检察院",
)

CHANNELS = ("电话", "网站", "微信", "微博", "App")
CHANNEL_WEIGHTS = (0.62, 0.06, 0.2, 0.02, 0.1)
MERGED_HOTLINES = 78
KNOWLEDGE_BASE_ENTRIES = 11268


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    agency: str
    keywords: str
    deadline_h: int  # the promised handling time (expected_datetime = requested + this)
    weight: float
    samples: tuple[str, ...]


SERVICES = (
    Service("001", "市容环境", "城市管理", "市城市管理局", "垃圾,占道,乱堆放", 48, 10,
            ("小区门口垃圾堆放未清运", "人行道被占道经营", "沿街商铺乱堆放")),
    Service("002", "噪声扰民", "生态环境", "市生态环境局", "噪声,施工,夜间", 24, 8,
            ("夜间施工噪声扰民", "广场舞音响声音过大", "商铺外放音乐扰民")),
    Service("003", "道路设施", "城市管理", "市住房城乡建设局", "路面,井盖,路灯", 72, 7,
            ("路面坑洼积水", "井盖缺失存在安全隐患", "路灯不亮")),
    Service("004", "供水问题", "公用事业", "市水务集团", "停水,水压,水质", 24, 6,
            ("突然停水未通知", "水压过低", "自来水发黄")),
    Service("005", "供电问题", "公用事业", "市供电公司", "停电,电压", 24, 5,
            ("小区停电", "电压不稳", "电线老化隐患")),
    Service("006", "燃气问题", "公用事业", "市燃气公司", "燃气,泄漏,开通", 12, 3,
            ("疑似燃气泄漏", "燃气开通预约", "燃气表故障")),
    Service("007", "物业管理", "住房保障", "市住房城乡建设局", "物业,维修,电梯", 120, 9,
            ("电梯故障长期未修", "物业费收费争议", "楼道漏水无人维修")),
    Service("008", "劳动保障", "人社", "市人力资源社会保障局", "欠薪,社保,劳动合同", 120, 8,
            ("企业拖欠工资", "社保缴费咨询", "劳动合同纠纷")),
    Service("009", "交通出行", "交通", "市交通运输局", "公交,出租车,停车", 72, 7,
            ("公交线路调整建议", "出租车拒载", "小区周边停车难")),
    Service("010", "医疗卫生", "卫生健康", "市卫生健康委", "医院,医保,疫苗", 120, 5,
            ("医院挂号难", "医保报销咨询", "疫苗接种预约")),
    Service("011", "教育服务", "教育", "市教育局", "入学,校外培训", 120, 4,
            ("子女入学政策咨询", "校外培训机构退费", "校车安全")),
    Service("012", "消费维权", "市场监管", "市市场监管局", "退款,价格,食品安全", 168, 7,
            ("网购商品退款难", "餐馆食品卫生问题", "价格欺诈")),
    Service("013", "治安秩序", "平安建设", "市公安局", "治安,群租,诈骗", 48, 4,
            ("疑似群租房人员混杂", "电信诈骗求助", "夜间聚集滋扰")),
    Service("014", "生态环境", "生态环境", "市生态环境局", "污水,异味,焚烧", 72, 4,
            ("河道污水直排", "工厂异味扰民", "露天焚烧秸秆")),
    Service("015", "住房保障", "住房保障", "市住房城乡建设局", "公积金,保障房,不动产", 168, 3,
            ("公积金提取咨询", "保障房申请进度", "不动产证办理慢")),
    Service("016", "企业诉求", "营商环境", "市政务服务管理办公室", "审批,融资,用工", 120, 3,
            ("企业开办审批咨询", "中小企业融资难", "企业用工需求对接")),
    Service("017", "政策咨询", "综合", "市政务服务管理办公室", "政策,办事指南", 24, 8,
            ("惠企政策咨询", "户籍迁移办理流程", "退休手续办理")),
    Service("018", "农业农村", "农业农村", "市农业农村局", "土地,补贴,农资", 168, 2,
            ("土地流转纠纷", "种粮补贴发放", "假劣农资")),
    # Weight 0: only rainstorms bring these calls.
    Service("019", "积水内涝", "城市管理", "市水利局", "积水,内涝,排水", 6, 0,
            ("小区道路积水严重", "地下车库进水", "路口积水车辆熄火")),
)


@dataclass(frozen=True)
class WarningItem:
    code: str
    name: str
    domain: str
    severity: str  # typical level when raised


# Codes by domain prefix; the count is the published "100 warning items in use".
_ITEMS = {
    ("DJ", "党建引领"): (
        "网格党组织活动缺失:blue", "党群服务站点长期闭站:blue", "网格员在岗异常:yellow", "志愿服务承诺超期:blue",
        "党员联系户走访超期:blue", "基层组织换届超期:yellow", "网格事件瞒报漏报:orange", "重大事项未请示报告:yellow",
    ),
    ("JJ", "经济发展"): (
        "规上企业用电骤降:yellow", "重点企业停产半停产:orange", "企业欠薪风险:yellow", "重点项目进度滞后:yellow",
        "企业诉求超期未办:blue", "楼宇空置率异常:blue", "企业税收异常下滑:yellow", "非法集资风险:orange",
        "企业融资担保风险:yellow", "外贸订单异常波动:blue", "企业用工骤减:yellow", "惠企资金拨付超期:blue",
        "市场主体异常注销:blue", "工业用地闲置:blue",
    ),
    ("SZ", "社会治理"): (
        "信访苗头性问题:yellow", "群体性事件苗头:orange", "重复信访:yellow", "矛盾纠纷化解超期:blue",
        "重点人员动态异常:yellow", "出租房屋人员异常:blue", "群租房风险:yellow", "校园周边安全隐患:yellow",
        "独居老人水电异常:yellow", "流动人口聚集:blue", "涉黑涉恶线索:orange", "电信网络诈骗高发:yellow",
        "征地拆迁矛盾:yellow", "劳资纠纷集中:yellow", "物业矛盾集中:blue", "网格事件积压:blue",
        "精神障碍患者管控异常:orange", "社区矫正人员脱管:orange", "宗教场所违规活动:yellow", "涉稳舆情:yellow",
        "养老机构安全隐患:yellow", "困难群众救助超期:blue",
    ),
    ("ZW", "政务服务"): (
        "12345工单超期:blue", "12345来电激增:yellow", "同一事项重复投诉:yellow", "群众不满意集中:yellow",
        "审批事项超时:blue", "政务服务差评:blue", "部门交办超期:yellow", "问效整改逾期:yellow",
        "热线系统异常:orange", "政务网站访问异常:blue", "百通App服务故障:yellow", "数据共享接口中断:yellow",
    ),
    ("GA", "公共安全"): (
        "关停化工企业违规复产:red", "危化品运输车辆违规:orange", "非法加油点:orange", "危化品超量储存:orange",
        "特殊作业未报备:yellow", "重大危险源监测超限:red", "可燃气体浓度超限:orange", "消防通道堵塞:yellow",
        "高层建筑消防隐患:yellow", "人员密集场所超员:orange", "电动车违规充电:yellow", "燃气泄漏:orange",
        "建筑施工安全隐患:yellow", "深基坑监测超限:orange", "渣土车违规运输:blue", "道路交通事故多发:yellow",
        "非法营运车辆:blue", "溺水高风险水域:yellow", "暴雨:orange", "台风:red", "大风:yellow",
        "雷电:yellow", "高温:yellow", "大雾:yellow", "道路结冰:yellow", "森林火险:blue",
    ),
    ("CS", "城市运行"): (
        "建筑工地扬尘:yellow", "河道水质异常:yellow", "排污口异常排放:orange", "长江岸线违规占用:yellow",
        "非法捕捞:yellow", "秸秆焚烧:yellow", "空气质量超标:yellow", "城市内涝积水:orange",
        "河道水位超警戒:orange", "潮位超警戒:orange", "供水管网爆管:orange", "大面积停电:orange",
        "燃气管网压力异常:yellow", "路面塌陷:orange", "桥梁结构异常:orange", "垃圾清运不及时:blue",
        "市政设施损坏:blue", "共享单车淤积:blue",
    ),
}


@cache
def warning_items() -> tuple[WarningItem, ...]:
    items = []
    for (prefix, domain), entries in _ITEMS.items():
        for number, entry in enumerate(entries, 1):
            name, severity = entry.split(":")
            items.append(WarningItem(f"{prefix}-{number:02d}", name, domain, severity))
    return tuple(items)


# What the platform saw, for the warning items the published examples describe.
WARNING_DETAILS = {
    "关停化工企业违规复产": "已关停企业用水、用电恢复，危化品电子运单与DCS系统重新上线，疑似违规复产。",
    "群租房风险": "该处用水、用电、燃气用量与快递物流、流动人口登记数据同时异常，疑似群租。",
    "非法加油点": "车辆频繁短时停靠、油品运单流向异常，疑似非法加油点。",
    "建筑工地扬尘": "视频智能识别发现工地裸土未覆盖、扬尘明显。",
    "网格事件瞒报漏报": "网格上报事件与热线、视频发现的同类事件明显不符，疑似重大事件瞒报漏报。",
    "危化品运输车辆违规": "危化品运输车辆偏离备案路线或在禁行时段驶入城区。",
    "暴雨": "气象部门预报未来3小时降雨量将达50毫米以上，低洼易涝点位需重点防范。",
    "城市内涝积水": "多处下穿通道、低洼小区积水超过20厘米。",
    "台风": "台风外围云系影响沿海，阵风可达10级以上。",
    "大雾": "能见度低于500米，沿江、沿海道路及港口作业受影响。",
    "高温": "最高气温将达35℃以上。",
    "道路结冰": "路面温度低于0℃，桥面、匝道易结冰。",
}

# Functional zones have no boundaries; for figures each is given member towns. The
# development zone's come from the statistics codes; the other two are approximate.
ZONE_TOWNS = {
    "320671": tuple(t.adcode for t in geo.towns() if t.zone_code == "320671"),
    "ZONE-SXT": ("320612119",),  # 张芝山镇 (approximate)
    "ZONE-TZW": ("320612104",),  # 三余镇 (approximate)
}

SPECIAL_GRID_KINDS = (("园区专属网格", 245), ("学校专属网格", 198), ("医院专属网格", 86),
                      ("商圈楼宇专属网格", 172), ("机关企事业单位专属网格", 144))


@dataclass(frozen=True)
class CommandCentre:
    code: str
    name: str
    level: str  # city / county / town
    adcode: str


@cache
def command_centres() -> tuple[CommandCentre, ...]:
    """1 city + 10 county-level (7 counties, 3 zones) + 96 town centres.

    103 towns, 96 centres: each county's seat (its first 街道, or its first town where it
    has none) shares the county's centre.
    """
    centres = [CommandCentre("CC-320600", "南通市市域治理现代化指挥中心", "city", "320600")]
    centres += [CommandCentre(f"CC-{c.adcode}", f"{c.name}指挥中心", "county", c.adcode) for c in geo.counties()]
    centres += [CommandCentre(f"CC-{z['code']}", f"{z['name']}指挥中心", "county", z["code"])
                for z in geo.FUNCTIONAL_ZONES]
    seat: dict[str, str] = {}
    for town in sorted(geo.towns(), key=lambda t: (t.kind != "街道", t.adcode)):
        seat.setdefault(town.county_adcode, town.adcode)
    shared = set(seat.values())
    centres += [CommandCentre(f"CC-{t.adcode}", f"{t.name}指挥中心", "town", t.adcode)
                for t in geo.towns() if t.adcode not in shared]
    return tuple(centres)


# Categories of what happens, with relative weights (and, for grid events, the department
# an escalated one goes to: 网格吹哨、部门报到).
GRID_EVENTS = (("占道经营", 10, "市城市管理局"), ("乱堆乱放", 9, "市城市管理局"), ("违章搭建", 4, "市自然资源和规划局"),
               ("道路破损", 5, "市住房城乡建设局"), ("垃圾满溢", 7, "市城市管理局"), ("消防通道堵塞", 4, "市消防救援支队"),
               ("电动车违规充电", 4, "市消防救援支队"), ("邻里纠纷", 5, "市司法局"), ("违规广告", 3, "市城市管理局"),
               ("井盖缺失", 2, "市住房城乡建设局"), ("河道漂浮物", 3, "市水利局"), ("流动摊贩", 5, "市城市管理局"),
               ("群租隐患", 2, "市公安局"), ("独居老人关爱", 3, "市民政局"))
STORM_GRID_EVENT = ("路面积水", "市水利局")
DISPUTE_TYPES = (("婚姻家庭", 14), ("邻里纠纷", 22), ("物业纠纷", 15), ("劳资纠纷", 12), ("土地权属", 6),
                 ("交通事故", 10), ("消费纠纷", 9), ("医疗纠纷", 4), ("征地拆迁", 3), ("其他", 5))
ENTERPRISE_TYPES = (("政策咨询", 25), ("融资需求", 14), ("用工需求", 16), ("审批办理", 15), ("用地需求", 6),
                    ("水电气保障", 8), ("知识产权", 5), ("法律服务", 6), ("其他", 5))
VOLUNTEER_TYPES = (("关爱老人", 16), ("环境整治", 14), ("政策宣讲", 10), ("文明交通", 8), ("助学帮困", 7),
                   ("义诊服务", 6), ("反诈宣传", 9), ("垃圾分类", 8))
RENTAL_SOURCES = (("用水异常", 22), ("用电异常", 26), ("用气异常", 9), ("快递物流", 14), ("公安流动人口", 17),
                  ("网格巡查", 12))
HAZCHEM_TYPES = (("关停企业违规复产", 6), ("危化品车辆违规", 24), ("非法加油点", 14), ("超量储存", 18),
                 ("特殊作业未报备", 22), ("重大危险源监测超限", 16))
WORK_ORDER_STAGES = ("流转", "交办", "办理", "核查", "评估", "问效")
