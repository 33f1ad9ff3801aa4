"""Chinese and English labels and the number/date formats every page shares.

Amounts are RMB with thousands separators; timestamps are shown in local time (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fwdnet.simulation.results import CHINA_TZ, EventType

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LOCAL_TZ = CHINA_TZ
E = EventType

_LABELS: dict[str, tuple[str, str]] = {
    # page and tabs
    "title": ("前置仓网络看板", "Forward-warehouse network dashboard"),
    "subtitle": ("{days} 天（自 {start} 起），{stores} 家门店，{skus} 个 SKU，随机种子 {seed}",
                 "{days} days from {start}, {stores} stores, {skus} SKUs, seed {seed}"),
    "tab_overview": ("总览", "Overview"),
    "tab_network": ("网络地图", "Network map"),
    "tab_comparison": ("方案对比", "Design comparison"),
    "tab_stock": ("库存", "Stock"),
    "tab_forecast": ("预测", "Forecast"),
    "tab_remedies": ("链路改进", "Chain remedies"),
    "tab_waybills": ("运单", "Waybills"),
    "not_run": ("本场景未运行此环节（results.json 中无 “{section}” 部分）。",
                "Not run for this scenario (results.json has no “{section}” section)."),
    "empty": ("本场景的 “{section}” 部分没有可绘制的数据。",
              "The “{section}” section has no data to draw for this scenario."),
    "time_note": ("时间均为北京时间（Asia/Shanghai），金额单位为人民币元。",
                  "Times are local (Asia/Shanghai); amounts are in RMB."),
    "choose": ("选择", "Choose"),
    # KPI cards
    "kpi_service": ("服务水平（满足率）", "Service level (fill rate)"),
    "kpi_cost_unit": ("单位交付成本", "Cost per unit delivered"),
    "kpi_cover": ("库存可售天数", "Stock days of cover"),
    "kpi_on_time": ("准时交付率", "On-time deliveries"),
    "kpi_total_cost": ("总成本", "Total cost"),
    "kpi_open_fw": ("开设前置仓", "Open FWs"),
    "kpi_lost": ("缺货损失销量", "Lost sales"),
    "vs_baseline": ("较基准方案 {base}", "vs baseline {base}"),
    "days": ("天", "days"),
    "units": ("件", "units"),
    "pp": ("个百分点", "pp"),
    # network map
    "map_title": ("网络设计与典型日配送路线", "Network design and typical-day truck routes"),
    "lon": ("经度 °E", "longitude °E"),
    "lat": ("纬度 °N", "latitude °N"),
    "cdc": ("中心仓（CDC）", "CDC"),
    "fw_open": ("前置仓（开设）", "FW open"),
    "fw_closed": ("前置仓候选（未开设）", "FW candidate (closed)"),
    "stores_of": ("{node} 的门店", "stores of {node}"),
    "region_of": ("{node} 服务区域", "service region of {node}"),
    "unrouted": ("未排入路线的站点", "stops left unrouted"),
    "routes_all": ("全部路线", "all routes"),
    "routes_none": ("不显示路线", "no routes"),
    "routes_cdc_fw": ("干线 CDC→前置仓", "trunk CDC→FW"),
    "routes_from": ("{depot} → 门店", "{depot} → stores"),
    "route_label": ("{depot} 路线 {i}：{stops} 站，{km:,.1f} 公里，{cost}",
                    "{depot} route {i}: {stops} stops, {km:,.1f} km, {cost}"),
    "routes_day": ("路线（典型日）", "Routes (typical day)"),
    "map_title_date": ("网络设计与 {date} 配送路线", "Network design and truck routes of {date}"),
    "routes_date": ("路线（{date}）", "Routes ({date})"),
    # overview trends
    "trends_title": ("每日关键指标", "Daily KPIs"),
    "units_per_day": ("每日件数", "Units per day"),
    "on_hand": ("在库库存（件）", "Stock on hand (units)"),
    "cost_per_day": ("每日成本（元）", "Cost per day (RMB)"),
    "demand": ("需求", "demand"),
    "sales": ("销售", "sales"),
    "lost": ("缺货损失", "lost sales"),
    "stock": ("库存", "on hand"),
    "transport": ("运输成本", "transport cost"),
    "holding": ("持有成本", "holding cost"),
    "node_fill": ("各节点满足率", "Fill rate by stocking node"),
    "fill_rate": ("满足率", "fill rate"),
    # comparison
    "cmp_cost_title": ("各方案成本构成（元）", "Cost breakdown by design (RMB)"),
    "cmp_ci_title": ("满足率与交付时长（95% 置信区间）",
                     "Fill rate and lead time (95% confidence intervals)"),
    "cmp_frontier_title": ("成本与服务水平（前沿）", "Cost vs service (the frontier)"),
    "cmp_paired_title": ("相对基准方案 {base} 的配对差异（95% 置信区间）",
                         "Paired difference vs baseline {base} (95% CI)"),
    "lead_time": ("交付时长（天）", "lead time (days)"),
    "total_cost": ("总成本（元）", "total cost (RMB)"),
    "design": ("方案", "design"),
    "frontier": ("帕累托前沿", "Pareto frontier"),
    "designs": ("方案", "designs"),
    "baseline": ("基准", "baseline"),
    "cmp_note": ("{n} 次重复仿真，剔除前 {w} 天预热期。",
                 "{n} replications, first {w} days cut as warm-up."),
    "cost_fixed": ("固定成本", "fixed"),
    "cost_transport_cdc_fw": ("干线运输", "transport CDC→FW"),
    "cost_transport_fw_store": ("门店配送", "transport FW→store"),
    "cost_transfers": ("调拨运输", "transfers"),
    "cost_handling": ("操作费", "handling"),
    "co2": ("二氧化碳排放（千克）", "CO₂ (kg)"),
    "cost_holding": ("持有成本", "holding"),
    "cost_lost_sales": ("缺货损失", "lost sales"),
    "cost_late_sales": ("延迟交付损失", "late sales"),
    "model_cost": ("设计模型估算", "design model's estimate"),
    # stock
    "stock_heat_title": ("各区域 × 品类的库存可售天数", "Days of cover by region × category"),
    "region": ("区域", "region"),
    "category": ("品类", "category"),
    "stockouts_title": ("每日缺货的 节点×SKU 组合数", "Node × SKU pairs out of stock per day"),
    "stockout_pairs": ("缺货组合", "pairs out of stock"),
    "hot_title": ("热销品：各站点库存可售天数", "Hot item: days of cover by site"),
    "hot_sku": ("热销 SKU", "Hot SKU"),
    "site": ("站点", "site"),
    "status_short": ("短缺", "short"),
    "status_ok": ("正常", "ok"),
    "status_excess": ("积压", "excess"),
    "transfers_title": ("建议调拨", "Suggested transfers"),
    "from_site": ("调出", "from"),
    "to_site": ("调入", "to"),
    "qty": ("数量（件）", "units"),
    "cost": ("成本（元）", "cost (RMB)"),
    "region_totals": ("区域汇总", "Region totals"),
    "stockout_days": ("缺货天数", "stockout days"),
    "transfers_more": ("另有 {n} 条调拨未列出（按数量取前 {k} 条）。",
                       "{n} more transfers not listed (top {k} by units shown)."),
    # forecast
    "fc_title": ("预测与实际（{key}，{region}）", "Forecast vs actual ({key}, {region})"),
    "fc_series": ("SKU / 品类与区域", "SKU / category and region"),
    "actual": ("实际", "actual"),
    "forecast": ("预测", "forecast"),
    "interval": ("预测区间", "prediction interval"),
    "units_week": ("每周件数", "units per week"),
    "acc_title": ("各品类预测准确度（模型 {model}）",
                  "Forecast accuracy by category (model {model})"),
    "wape": ("WAPE", "WAPE"),
    "bias": ("偏差", "bias"),
    "fc_more": ("仅包含前 {k} 条序列（共 {n} 条）。", "First {k} of {n} series included."),
    # waybills
    "wb_funnel_title": ("运单状态漏斗（准时率 {rate}）", "Waybill status funnel (on time {rate})"),
    "wb_late_title": ("按承运商与区域的延误率", "Late rate by carrier and region"),
    "wb_late_count": ("延误 {late} / 共 {total}", "late {late} of {total}"),
    "carrier": ("承运商", "carrier"),
    "late_rate": ("延误率", "late rate"),
    "wb_timeline_title": ("运单轨迹 {no}（{carrier}，{status}）",
                          "Waybill timeline {no} ({carrier}, {status})"),
    "waybill": ("运单", "Waybill"),
    "event": ("事件", "event"),
    "time_local": ("时间（北京时间）", "time (Asia/Shanghai)"),
}

_STATUS: dict[EventType, str] = {  # Chinese labels of the tracking vocabulary
    E.CREATED: "已创建", E.PICKED_UP: "已揽收", E.IN_TRANSIT: "运输中",
    E.ARRIVED_AT_HUB: "到达转运中心", E.DEPARTED_HUB: "离开转运中心", E.OUT_FOR_DELIVERY: "派送中",
    E.DELIVERED: "已签收", E.DELIVERY_FAILED: "派送失败", E.EXCEPTION: "异常",
    E.RETURNED: "已退回", E.CANCELLED: "已取消",
}

# the forward order of a parcel's life, for the funnel; other statuses sit outside it
STATUS_ORDER: tuple[EventType, ...] = (E.CREATED, E.PICKED_UP, E.IN_TRANSIT, E.ARRIVED_AT_HUB,
                                       E.DEPARTED_HUB, E.OUT_FOR_DELIVERY, E.DELIVERED)


def check_lang(lang: str) -> Lang:
    """The language code, or ValueError naming the accepted ones."""
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")


def t(lang: Lang, name: str, /, **fmt: object) -> str:
    """The label `name` in `lang`, formatted with `fmt`."""
    zh, en = _LABELS[name]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def status_label(lang: Lang, status: str) -> str:
    """A waybill status or event type in `lang` (unknown codes are shown as they are)."""
    if status not in _STATUS:
        return status
    kind = EventType(status)
    return _STATUS[kind] if lang == "zh" else kind.value.replace("_", " ")


def rmb(amount: float, digits: int = 0) -> str:
    """¥ with thousands separators: rmb(1234567.4) == '¥1,234,567'."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.{digits}f}"


def pct(x: float, digits: int = 1) -> str:
    """A share as a percentage: pct(0.9591) == '95.9%'."""
    return f"{x:.{digits}%}"


def local_time(iso: str) -> str:
    """An ISO 8601 timestamp shown in Asia/Shanghai as 'YYYY-MM-DD HH:MM'.

    A timestamp without a zone is taken as already local (the schema asks for a zone)."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
