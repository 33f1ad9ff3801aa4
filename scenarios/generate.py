"""Seeded generator of synthetic but realistic Sichuan/Chongqing apparel-chain scenarios.

`python -m fwdnet.scenarios.generate --name default` rewrites `scenarios/default.toml` and
`scenarios/data/default/*.csv`; sizes are options so tests can build tiny scenarios.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from fwdnet.logistics.kernel.files import atomic_open

HERE = Path(__file__).resolve().parent

# Market regions: code → (coldness 0..1: north/mountain climates start winter earlier)
REGIONS: dict[str, float] = {
    "AB": 1.0, "CD": 0.2, "CQ": 0.05, "DZ": 0.3, "GY": 0.6, "LS": 0.25,
    "LZ": 0.1, "MY": 0.35, "NC": 0.25, "WZ": 0.2, "XC": 0.0, "YB": 0.1,
}

# Store cities: name, region, lon, lat, relative market size
CITIES: tuple[tuple[str, str, float, float, float], ...] = (
    ("成都 Chengdu", "CD", 104.066, 30.572, 30), ("德阳 Deyang", "CD", 104.398, 31.127, 5),
    ("眉山 Meishan", "CD", 103.848, 30.075, 4), ("资阳 Ziyang", "CD", 104.627, 30.129, 3),
    ("雅安 Ya'an", "CD", 103.013, 29.980, 2), ("重庆 Chongqing", "CQ", 106.551, 29.563, 30),
    ("永川 Yongchuan", "CQ", 105.927, 29.356, 3), ("合川 Hechuan", "CQ", 106.276, 29.972, 3),
    ("涪陵 Fuling", "CQ", 107.390, 29.703, 3), ("绵阳 Mianyang", "MY", 104.679, 31.467, 6),
    ("江油 Jiangyou", "MY", 104.745, 31.778, 2), ("南充 Nanchong", "NC", 106.110, 30.837, 6),
    ("遂宁 Suining", "NC", 105.593, 30.533, 4), ("广安 Guang'an", "NC", 106.633, 30.456, 3),
    ("宜宾 Yibin", "YB", 104.643, 28.752, 5), ("自贡 Zigong", "YB", 104.779, 29.339, 4),
    ("内江 Neijiang", "YB", 105.058, 29.580, 3), ("乐山 Leshan", "LS", 103.766, 29.552, 5),
    ("峨眉山 Emeishan", "LS", 103.484, 29.601, 2), ("达州 Dazhou", "DZ", 107.468, 31.209, 5),
    ("巴中 Bazhong", "DZ", 106.747, 31.867, 3), ("泸州 Luzhou", "LZ", 105.443, 28.871, 5),
    ("广元 Guangyuan", "GY", 105.843, 32.435, 3), ("西昌 Xichang", "XC", 102.264, 27.894, 3),
    ("攀枝花 Panzhihua", "XC", 101.718, 26.582, 3), ("万州 Wanzhou", "WZ", 108.409, 30.808, 4),
    ("黔江 Qianjiang", "WZ", 108.771, 29.533, 2), ("康定 Kangding", "AB", 101.964, 30.050, 1),
    ("马尔康 Ma'erkang", "AB", 102.206, 31.906, 1), ("松潘 Songpan", "AB", 103.599, 32.655, 1),
)

CDC = ("CDC-CD", "成都青白江中央仓 Chengdu CDC", "成都 Chengdu", "CD", 104.251, 30.878)

# FW candidates: id, name, city, region, lon, lat, capacity (units on hand), fixed RMB/year
FW_CANDIDATES: tuple[tuple[str, str, str, str, float, float, int, float], ...] = (
    ("FW-CDN", "新都前置仓", "成都 Chengdu", "CD", 104.158, 30.823, 160_000, 2_400_000),
    ("FW-CDS", "双流前置仓", "成都 Chengdu", "CD", 103.923, 30.574, 140_000, 2_200_000),
    ("FW-CQ", "重庆沙坪坝前置仓", "重庆 Chongqing", "CQ", 106.456, 29.541, 160_000, 2_300_000),
    ("FW-MY", "绵阳前置仓", "绵阳 Mianyang", "MY", 104.731, 31.441, 60_000, 900_000),
    ("FW-NC", "南充前置仓", "南充 Nanchong", "NC", 106.083, 30.795, 70_000, 950_000),
    ("FW-YB", "宜宾前置仓", "宜宾 Yibin", "YB", 104.600, 28.780, 70_000, 950_000),
    ("FW-LS", "乐山前置仓", "乐山 Leshan", "LS", 103.740, 29.580, 50_000, 800_000),
    ("FW-DZ", "达州前置仓", "达州 Dazhou", "DZ", 107.500, 31.220, 60_000, 850_000),
    ("FW-LZ", "泸州前置仓", "泸州 Luzhou", "LZ", 105.400, 28.900, 50_000, 800_000),
    ("FW-GY", "广元前置仓", "广元 Guangyuan", "GY", 105.820, 32.430, 40_000, 700_000),
    ("FW-XC", "西昌前置仓", "西昌 Xichang", "XC", 102.250, 27.900, 40_000, 750_000),
    ("FW-WZ", "万州前置仓", "万州 Wanzhou", "WZ", 108.380, 30.780, 50_000, 800_000),
    # Larger chains draw on county seats too (real coordinates), first the two Aba/Ganzi towns
    # the twelve above leave out of reach, then by market size; a prefix of this list is used.
    ("FW-KD", "康定前置仓", "康定 Kangding", "AB", 101.964, 30.050, 30_000, 700_000),
    ("FW-MEK", "马尔康前置仓", "马尔康 Ma'erkang", "AB", 102.206, 31.906, 30_000, 700_000),
    ("FW-DY", "德阳前置仓", "德阳 Deyang", "CD", 104.398, 31.127, 60_000, 900_000),
    ("FW-YC", "永川前置仓", "永川 Yongchuan", "CQ", 105.927, 29.356, 60_000, 900_000),
    ("FW-ZG", "自贡前置仓", "自贡 Zigong", "YB", 104.779, 29.339, 50_000, 800_000),
    ("FW-SN", "遂宁前置仓", "遂宁 Suining", "NC", 105.593, 30.533, 50_000, 800_000),
    ("FW-FL", "涪陵前置仓", "涪陵 Fuling", "CQ", 107.390, 29.703, 50_000, 800_000),
    ("FW-MS", "眉山前置仓", "眉山 Meishan", "CD", 103.848, 30.075, 50_000, 800_000),
    ("FW-NJ", "内江前置仓", "内江 Neijiang", "YB", 105.058, 29.580, 50_000, 800_000),
    ("FW-HC", "合川前置仓", "合川 Hechuan", "CQ", 106.276, 29.972, 50_000, 800_000),
    ("FW-BZ", "巴中前置仓", "巴中 Bazhong", "DZ", 106.747, 31.867, 40_000, 700_000),
    ("FW-PZH", "攀枝花前置仓", "攀枝花 Panzhihua", "XC", 101.718, 26.582, 40_000, 700_000),
    ("FW-GA", "广安前置仓", "广安 Guang'an", "NC", 106.633, 30.456, 40_000, 700_000),
    ("FW-ZY", "资阳前置仓", "资阳 Ziyang", "CD", 104.627, 30.129, 40_000, 700_000),
    ("FW-YA", "雅安前置仓", "雅安 Ya'an", "CD", 103.013, 29.980, 40_000, 700_000),
    ("FW-JY", "江油前置仓", "江油 Jiangyou", "MY", 104.745, 31.778, 40_000, 700_000),
    ("FW-SP", "松潘前置仓", "松潘 Songpan", "AB", 103.599, 32.655, 25_000, 600_000),
    ("FW-QJ", "黔江前置仓", "黔江 Qianjiang", "WZ", 108.771, 29.533, 30_000, 650_000),
    ("FW-JJ", "江津前置仓", "江津 Jiangjin", "CQ", 106.259, 29.290, 50_000, 800_000),
    ("FW-EMS", "峨眉山前置仓", "峨眉山 Emeishan", "LS", 103.484, 29.601, 30_000, 650_000),
    ("FW-CS", "长寿前置仓", "长寿 Changshou", "CQ", 107.081, 29.857, 40_000, 700_000),
    ("FW-LZH", "阆中前置仓", "阆中 Langzhong", "NC", 105.975, 31.558, 30_000, 650_000),
    ("FW-KZ", "开州前置仓", "开州 Kaizhou", "WZ", 108.393, 31.161, 30_000, 650_000),
    ("FW-QX", "渠县前置仓", "渠县 Quxian", "DZ", 106.973, 30.836, 30_000, 650_000),
    ("FW-DJY", "都江堰前置仓", "都江堰 Dujiangyan", "CD", 103.647, 30.988, 40_000, 700_000),
    ("FW-JYA", "简阳前置仓", "简阳 Jianyang", "CD", 104.547, 30.411, 40_000, 700_000),
    ("FW-DZU", "大足前置仓", "大足 Dazu", "CQ", 105.722, 29.707, 40_000, 700_000),
    ("FW-QJA", "綦江前置仓", "綦江 Qijiang", "CQ", 106.651, 29.028, 40_000, 700_000),
    ("FW-ST", "三台前置仓", "三台 Santai", "MY", 105.095, 31.095, 30_000, 650_000),
    ("FW-HJ", "合江前置仓", "合江 Hejiang", "LZ", 105.834, 28.811, 30_000, 650_000),
    ("FW-ZX", "忠县前置仓", "忠县 Zhongxian", "WZ", 108.038, 30.300, 30_000, 650_000),
    ("FW-LP", "梁平前置仓", "梁平 Liangping", "WZ", 107.800, 30.674, 30_000, 650_000),
    ("FW-MN", "冕宁前置仓", "冕宁 Mianning", "XC", 102.177, 28.550, 25_000, 600_000),
    ("FW-HL", "会理前置仓", "会理 Huili", "XC", 102.245, 26.655, 25_000, 600_000),
    ("FW-WC", "汶川前置仓", "汶川 Wenchuan", "AB", 103.590, 31.476, 25_000, 600_000),
    ("FW-CX", "苍溪前置仓", "苍溪 Cangxi", "GY", 105.934, 31.732, 25_000, 600_000),
    ("FW-JG", "剑阁前置仓", "剑阁 Jiange", "GY", 105.524, 32.288, 25_000, 600_000),
    ("FW-XH", "宣汉前置仓", "宣汉 Xuanhan", "DZ", 107.727, 31.354, 30_000, 650_000),
    ("FW-DZH", "大竹前置仓", "大竹 Dazhu", "DZ", 107.204, 30.741, 30_000, 650_000),
    ("FW-QW", "犍为前置仓", "犍为 Qianwei", "LS", 103.950, 29.208, 25_000, 600_000),
    ("FW-LC", "隆昌前置仓", "隆昌 Longchang", "YB", 105.288, 29.339, 30_000, 650_000),
    ("FW-XY", "叙永前置仓", "叙永 Xuyong", "LZ", 105.445, 28.156, 25_000, 600_000),
    ("FW-RC", "荣昌前置仓", "荣昌 Rongchang", "CQ", 105.594, 29.405, 40_000, 700_000),
    ("FW-TL", "铜梁前置仓", "铜梁 Tongliang", "CQ", 106.055, 29.845, 40_000, 700_000),
    ("FW-NCH", "南川前置仓", "南川 Nanchuan", "CQ", 107.099, 29.158, 30_000, 650_000),
    ("FW-YY", "云阳前置仓", "云阳 Yunyang", "WZ", 108.697, 30.931, 30_000, 650_000),
    ("FW-FJ", "奉节前置仓", "奉节 Fengjie", "WZ", 109.465, 31.018, 25_000, 600_000),
    ("FW-PZ", "彭州前置仓", "彭州 Pengzhou", "CD", 103.958, 30.990, 40_000, 700_000),
)

# Category: (peak ISO week, amplitude, harmonics 1 = yearly / 2 = spring+autumn,
#            cold-shift weeks (earlier peak in cold regions), unit m³, unit kg, unit cost RMB)
CATEGORIES: dict[str, tuple[float, float, int, float, float, float, float]] = {
    "down_jacket": (1, 0.95, 1, 4.0, 0.020, 1.2, 420),
    "heavy_coat": (50, 0.90, 1, 4.0, 0.018, 1.5, 380),
    "sweater": (47, 0.60, 1, 3.0, 0.006, 0.6, 160),
    "jacket": (14, 0.50, 2, 2.0, 0.008, 0.8, 220),
    "jeans": (20, 0.10, 1, 0.0, 0.004, 0.7, 130),
    "t_shirt": (28, 0.80, 1, -2.0, 0.002, 0.2, 45),
    "dress": (26, 0.70, 1, -2.0, 0.003, 0.3, 150),
    "shorts": (30, 0.90, 1, -2.0, 0.002, 0.2, 60),
    "sportswear": (20, 0.30, 1, 0.0, 0.004, 0.5, 180),
    "shoes": (40, 0.20, 1, 0.0, 0.010, 1.0, 260),
    "kids": (34, 0.30, 1, 0.0, 0.003, 0.3, 90),
    "accessories": (1, 0.05, 1, 0.0, 0.001, 0.1, 40),
}

# Promotions: name, month-day start, month-day end, lift, categories, regions
YEARLY_PROMOTIONS: tuple[tuple[str, str, str, float, str, str], ...] = (
    ("618", "06-01", "06-18", 1.8, "", ""),
    ("National Day 国庆", "10-01", "10-07", 1.5, "", ""),
    ("Double 11 双十一", "11-01", "11-11", 2.2, "", ""),
    ("Double 12 双十二", "12-10", "12-12", 1.4, "", ""),
    ("CQ summer sale 重庆夏促", "07-10", "07-20", 1.6, "t_shirt;shorts;dress", "CQ"),
)
# Regional taste by category (× an average region); the rest is 1. Mountains and the north buy
# more winter wear, the warm south and hot Chongqing more summer wear.
REGIONAL_TASTE: dict[str, dict[str, float]] = {
    "AB": {"down_jacket": 1.8, "heavy_coat": 1.6, "t_shirt": 0.7, "dress": 0.6, "shorts": 0.5},
    "GY": {"down_jacket": 1.3, "heavy_coat": 1.3, "shorts": 0.8},
    "XC": {"down_jacket": 0.5, "heavy_coat": 0.6, "t_shirt": 1.3, "shorts": 1.4},
    "CQ": {"shorts": 1.2, "dress": 1.2, "t_shirt": 1.15, "sportswear": 1.1},
    "CD": {"accessories": 1.2, "dress": 1.1, "shoes": 1.1},
}
SKU_TASTE_SIGMA = 0.4  # lognormal spread of a SKU's local popularity around its category's
HOT_HOME_LIFT = 3.0  # a hot item sells this much more in its home region …
HOT_AWAY_DAMP = 0.6  # … and this much less elsewhere (before normalising)

SPRING_FESTIVAL = {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
                   2027: date(2027, 2, 6), 2028: date(2028, 1, 26)}


# What a generated chain must satisfy for every size (`capacity_scale` grows the FWs to it):
# FW throughput over a year at least CAPACITY_HEADROOM × the expected yearly demand.
CAPACITY_HEADROOM = 2.0
# Stock turns a year at a FW: the scenario's review + lead days + the design's extra cover days
# (7 + 2 + 3, see SCENARIO_TOML and logistics.design.costs.COVER_DAYS_EXTRA).
FW_TURNS_PER_YEAR = 365 / 12
M3_PER_UNIT_OF_CAPACITY = 0.012  # a FW's m³ per unit of its unit capacity
TRUCKS, VANS = 12, 40  # fleet of the 300-store default; both grow with the capacity scale
MAX_STORES, MAX_SKUS = 9_999, 99_999  # ids are S0001… and K00001…
STORES_PER_CANDIDATE = 33  # candidates grow with the chain: 300 stores → 12, 1,000 → 30


def fw_candidates_for(stores: int) -> int:
    """How many FW candidates a chain of `stores` stores gets: 12 up to 400, then one per 33
    stores, at most the 60 real sites in FW_CANDIDATES."""
    return min(len(FW_CANDIDATES), max(12, stores // STORES_PER_CANDIDATE))


def size_problem(sizes: Sizes) -> str:
    """Why the generator cannot turn `sizes` into a feasible chain, in words ("" when it can)."""
    limits = (("stores", sizes.stores, 1, MAX_STORES),
              ("skus", sizes.skus, 1, MAX_SKUS),
              ("fw_candidates", sizes.fw_candidates, 1, len(FW_CANDIDATES)),
              ("history_weeks", sizes.history_weeks, 1, 520))
    for what, value, low, high in limits:
        if not low <= value <= high:
            why = {"stores": "store ids are S0001…S9999",
                   "skus": "SKU ids are K00001…K99999",
                   "fw_candidates": "the generator knows that many real FW sites",
                   "history_weeks": "at most ten years of history"}[what]
            return f"{what} must be between {low} and {high:,} (got {value:,}): {why}"
    return ""


def capacity_scale(fws: tuple[tuple[str, str, str, str, float, float, int, float], ...],
                   rate: np.ndarray, sku_m3: np.ndarray, weeks: int) -> tuple[float, float]:
    """Factor (>= 1) on the FWs' capacities so their yearly throughput holds CAPACITY_HEADROOM
    × the expected yearly demand, in units and in m³ (1 for the default chain), and that
    demand (units a year)."""
    yearly = float(rate.sum()) * 52 / weeks
    yearly_m3 = float(rate.sum(axis=(0, 2)) @ sku_m3) * 52 / weeks
    cap = float(sum(f[6] for f in fws)) * FW_TURNS_PER_YEAR
    return max(1.0, CAPACITY_HEADROOM * yearly / cap,
               CAPACITY_HEADROOM * yearly_m3 / (cap * M3_PER_UNIT_OF_CAPACITY)), yearly


def fw_rows(fws: tuple[tuple[str, str, str, str, float, float, int, float], ...],
            scale: float) -> list[list[object]]:
    """sites.csv rows of the FW candidates, capacity × scale and fixed cost × √scale
    (a bigger warehouse costs less per unit)."""
    rows: list[list[object]] = []
    for fid, fname, city, reg, lon, lat, cap0, fixed0 in fws:
        cap = round(cap0 * scale)
        fixed = int(round(fixed0 * math.sqrt(scale), -3))
        rows.append([fid, "fw", fname, city, reg, lon, lat, cap,
                     round(cap * M3_PER_UNIT_OF_CAPACITY, 1), fixed, 0.5, "", "false"])
    return rows


@dataclass(frozen=True)
class Sizes:
    """How big a generated scenario is."""

    stores: int = 300
    skus: int = 2000
    fw_candidates: int = 12
    history_weeks: int = 52
    hot_items: int = 5
    new_sku_share: float = 0.05


def seasonality(regions: list[str], categories: list[str]) -> np.ndarray:
    """(regions, categories, 53) weekly multipliers with mean ≈ 1 per region and category."""
    weeks = np.arange(1, 54, dtype=np.float64)
    out = np.ones((len(regions), len(categories), 53))
    for ci, cat in enumerate(categories):
        peak, amp, harm, shift, *_ = CATEGORIES[cat]
        for ri, reg in enumerate(regions):
            cold = REGIONS[reg]
            a = min(0.97, amp * (1 + 0.4 * cold * np.sign(shift))) if shift else amp
            phase = 2 * np.pi * harm * (weeks - (peak - shift * cold)) / 52
            curve = np.maximum(0.03, 1 + a * np.cos(phase))
            out[ri, ci] = curve / curve.mean()
    return out


def promotions(years: list[int]) -> list[tuple[str, date, date, float, str, str]]:
    rows = []
    for y in years:
        sf = SPRING_FESTIVAL.get(y)
        if sf is not None:
            rows.append((f"Spring Festival 春节 {y}", sf - timedelta(days=14),
                         sf - timedelta(days=1), 1.4, "", ""))
        for name, s, e, lift, cats, regs in YEARLY_PROMOTIONS:
            rows.append((f"{name} {y}", date.fromisoformat(f"{y}-{s}"),
                         date.fromisoformat(f"{y}-{e}"), lift, cats, regs))
    return sorted(rows, key=lambda r: r[1])


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    _write_bytes(path, buf.getvalue().encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    """Atomic write; `.gz` paths are gzipped with no name and mtime 0 (same seed, same bytes)."""
    with atomic_open(path, binary=True, compress=path.suffix == ".gz") as fh:
        fh.write(data)


@dataclass(frozen=True)
class Chain:
    """What `generate_chain` wrote and how its FWs were sized."""

    toml: Path
    fw_candidates: int
    capacity_scale: float  # factor on the listed FW capacities (1 = as listed)
    demand_units_per_year: float  # expected, from the generated demand rates
    fw_units_per_year: float  # the candidates' yearly throughput (capacity × stock turns)


def _write_table(path: Path, columns: dict[str, tuple[np.ndarray | None, np.ndarray]]) -> None:
    """`_write_csv` for long tables: each column is (labels, codes) or (None, integers); the
    bytes are those csv.writer would write."""
    import pandas as pd

    frame = pd.DataFrame({name: values if labels is None
                          else pd.Categorical.from_codes(values, categories=labels)
                          for name, (labels, values) in columns.items()})
    _write_bytes(path, frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def generate(out_dir: Path, name: str, sizes: Sizes, seed: int, start: date,
             horizon_days: int = 365) -> Path:
    """Write `out_dir/<name>.toml` and its CSVs in `out_dir/data/<name>/`; returns the TOML."""
    return generate_chain(out_dir, name, sizes, seed, start, horizon_days).toml


def generate_chain(out_dir: Path, name: str, sizes: Sizes, seed: int, start: date,
                   horizon_days: int = 365) -> Chain:
    """`generate`, also saying how the FW candidates were sized for the demand."""
    rng = np.random.default_rng(seed)
    data_dir = out_dir / "data" / name
    data_dir.mkdir(parents=True, exist_ok=True)

    # --- sites: CDC, FW candidates, stores on real city coordinates with jitter
    problem = size_problem(sizes)
    if problem:
        raise ValueError(problem)
    fws = FW_CANDIDATES[: sizes.fw_candidates]
    city_w = np.array([c[4] for c in CITIES], dtype=np.float64)
    # every city gets a store when there are enough; the rest follow market size
    n_base = min(len(CITIES), sizes.stores)
    base = rng.choice(len(CITIES), size=n_base, replace=False, p=city_w / city_w.sum())
    extra = rng.choice(len(CITIES), size=sizes.stores - n_base, p=city_w / city_w.sum())
    city_of_store = np.sort(np.concatenate([base, extra]))
    store_weight = rng.lognormal(mean=-0.08, sigma=0.4, size=sizes.stores)
    store_rows: list[list[object]] = []
    for s, ci in enumerate(city_of_store):
        cname, reg, lon, lat, size = CITIES[ci]
        spread = 0.05 if size >= 20 else 0.025
        jlon, jlat = rng.normal(0.0, spread, size=2)
        store_rows.append([f"S{s + 1:04d}", "store", f"{cname.split()[0]}店{s + 1}", cname, reg,
                           round(lon + jlon, 5), round(lat + jlat, 5), "", "", "", "",
                           round(float(store_weight[s]), 3), "false"])

    # --- SKUs
    cats = sorted(CATEGORIES)
    cat_of_sku = rng.integers(0, len(cats), size=sizes.skus)
    base_demand = rng.lognormal(mean=np.log(0.03), sigma=0.9, size=sizes.skus)
    hot = np.zeros(sizes.skus, dtype=bool)
    hot[rng.choice(sizes.skus, size=min(sizes.hot_items, sizes.skus), replace=False)] = True
    base_demand[hot] *= 10
    sku_rows: list[list[object]] = []
    for k in range(sizes.skus):
        cat = cats[cat_of_sku[k]]
        *_, vol, kg, cost = CATEGORIES[cat]
        c = float(cost * rng.lognormal(0, 0.3))
        sku_rows.append([f"K{k + 1:05d}", f"{cat}-{k + 1}", cat, vol, kg, round(c, 2),
                         round(c * 2.4, 2), round(float(base_demand[k]), 5),
                         "true" if hot[k] else "false"])
    _write_csv(data_dir / "skus.csv",
               ["id", "name", "category", "unit_volume_m3", "unit_weight_kg", "unit_cost_rmb",
                "price_rmb", "base_daily_demand", "hot"], sku_rows)

    # --- seasonality and promotions
    regions = sorted({CITIES[ci][1] for ci in city_of_store} | {f[3] for f in fws} | {CDC[3]})
    season = seasonality(regions, cats)
    used = sorted(set(cat_of_sku.tolist()))  # tiny scenarios may not use every category
    _write_csv(data_dir / "seasonality.csv", ["region", "category", "week", "factor"],
               [[r, cats[ci], w + 1, round(float(season[ri, ci, w]), 4)]
                for ri, r in enumerate(regions) for ci in used for w in range(53)])
    hist_start = start - timedelta(days=start.weekday()) - timedelta(weeks=sizes.history_weeks)
    end = start + timedelta(days=horizon_days)
    # promotions name only the categories and regions this scenario has
    promos: list[tuple[str, date, date, float, str, str]] = []
    for n, ps, pe, lift, want_c, want_r in promotions(
            list(range(hist_start.year, end.year + 1))):
        pc = ";".join(x for x in want_c.split(";") if cats.index(x) in used) if want_c else ""
        pr = ";".join(x for x in want_r.split(";") if x in regions) if want_r else ""
        if (want_c and not pc) or (want_r and not pr):
            continue
        promos.append((n, ps, pe, lift, pc, pr))
    _write_csv(data_dir / "promotions.csv",
               ["name", "start", "end", "lift", "categories", "regions"],
               [[n, ps.isoformat(), pe.isoformat(), lift, pc, pr]
                for n, ps, pe, lift, pc, pr in promos])

    # --- local taste by region × SKU, normalised so each SKU's chain-wide volume is unchanged
    reg_pos = {r: i for i, r in enumerate(regions)}
    store_reg = np.array([reg_pos[CITIES[ci][1]] for ci in city_of_store])
    region_size = np.bincount(store_reg, weights=store_weight, minlength=len(regions))
    affinity = rng.lognormal(0.0, SKU_TASTE_SIGMA, size=(len(regions), sizes.skus))
    for reg, tastes in REGIONAL_TASTE.items():
        if reg in reg_pos:
            for cat, lift in tastes.items():
                affinity[reg_pos[reg], cat_of_sku == cats.index(cat)] *= lift
    home = rng.choice(len(regions), size=sizes.skus, p=region_size / region_size.sum())
    for hot_k in np.flatnonzero(hot).tolist():
        affinity[:, hot_k] *= HOT_AWAY_DAMP
        affinity[home[hot_k], hot_k] *= HOT_HOME_LIFT / HOT_AWAY_DAMP
    affinity /= (region_size @ affinity / region_size.sum())[None, :]
    _write_csv(data_dir / "affinity.csv", ["region", "sku", "factor"],
               [[r, f"K{k + 1:05d}", round(float(affinity[ri, k]), 3)]
                for ri, r in enumerate(regions) for k in range(sizes.skus)])

    # --- weekly history by region × SKU (Poisson–gamma: noisier than the Poisson future)
    days = sizes.history_weeks * 7
    rate = np.zeros((len(regions), sizes.skus, sizes.history_weeks))
    for d in range(days):
        day = hist_start + timedelta(days=d)
        f = season[:, :, min(day.isocalendar()[1], 53) - 1].copy()
        for _, ps, pe, lift, pc, pr in promos:
            if ps <= day <= pe:
                cat_cols = [cats.index(x) for x in pc.split(";")] if pc else \
                    list(range(len(cats)))
                reg_rows = [reg_pos[x] for x in pr.split(";")] if pr else \
                    list(range(len(regions)))
                f[np.ix_(reg_rows, cat_cols)] *= lift
        rate[:, :, d // 7] += (f[:, cat_of_sku] * region_size[:, None] * base_demand[None, :]
                               * affinity)
    launch = np.zeros(sizes.skus, dtype=np.int64)
    new = rng.random(sizes.skus) < sizes.new_sku_share
    launch[new] = rng.integers(sizes.history_weeks // 2, sizes.history_weeks, size=int(new.sum()))
    # FW capacities are sized once the demand is known (sites.csv is written below)
    scale, yearly = capacity_scale(fws, rate,
                                   np.array([CATEGORIES[c][4] for c in cats])[cat_of_sku],
                                   sizes.history_weeks)
    rate[:, np.arange(sizes.history_weeks)[None, :] < launch[:, None]] = 0.0
    noise = rng.gamma(shape=8.0, scale=1 / 8.0, size=rate.shape)
    qty = rng.poisson(rate * noise)
    week_starts = [(hist_start + timedelta(weeks=w)).isoformat()
                   for w in range(sizes.history_weeks)]
    # rows region by region, SKU by SKU, week by week from launch (numpy order, no row loop:
    # 12.5 million rows at 20,000 SKUs)
    sold = np.arange(sizes.history_weeks)[None, :] >= launch[:, None]  # (skus, weeks)
    at_r, at_k, at_w = np.nonzero(np.broadcast_to(sold, (len(regions), *sold.shape)))
    _write_table(data_dir / "demand_history.csv.gz", {
        "week_start": (np.asarray(week_starts), at_w),
        "region": (np.asarray(regions), at_r),
        "sku": (np.asarray([f"K{j + 1:05d}" for j in range(sizes.skus)]), at_k),
        "quantity": (None, qty[at_r, at_k, at_w])})

    _write_csv(data_dir / "sites.csv",
               ["id", "kind", "name", "city", "region", "lon", "lat", "capacity_units",
                "capacity_m3", "fixed_cost_rmb", "handling_rmb_per_unit", "weight", "existing"],
               [[CDC[0], "cdc", CDC[1], CDC[2], CDC[3], CDC[4], CDC[5], "", "", 0, 0.2, "",
                 "false"], *fw_rows(fws, scale), *store_rows])
    toml = out_dir / f"{name}.toml"
    toml.write_text(SCENARIO_TOML.format(name=name, seed=seed, start=start.isoformat(),
                                         horizon=horizon_days, data=f"data/{name}",
                                         trucks=math.ceil(TRUCKS * scale),
                                         vans=math.ceil(VANS * scale)),
                    encoding="utf-8")
    fw_year = sum(round(f[6] * scale) for f in fws) * FW_TURNS_PER_YEAR
    return Chain(toml, len(fws), scale, yearly, fw_year)


SCENARIO_TOML = """\
# fwdnet scenario: a Sichuan/Chongqing apparel chain (generated by scenarios/generate.py).
# Units: metres, seconds, RMB, units of stock, days; coordinates [lon, lat].

[scenario]
name = "{name}"
seed = {seed}
start = {start}
horizon_days = {horizon}

[data]
sites = "{data}/sites.csv"
skus = "{data}/skus.csv"
seasonality = "{data}/seasonality.csv"
promotions = "{data}/promotions.csv"
affinity = "{data}/affinity.csv"           # local taste by region × SKU
demand_history = "{data}/demand_history.csv.gz"

[network]
road_factor = 1.3                 # road metres per great-circle metre

[costs]
holding_rate_per_year = 0.25      # share of unit cost per unit-year on hand
lost_sale_penalty_rate = 0.5      # share of price lost per unit not sold
cdc_fw_handling_rmb_per_unit = 0.3
late_sale_share_per_day = 0.05    # share of the lost-sale penalty per day beyond the FW's
parcel_rmb_per_kg = 1.2           # third-party parcels from the CDC to stores

[costs.calibration]               # replay ÷ design model: benchmarks/costs.py --calibrate
transport_cdc_fw = 1.697          # trucks run weekly routes with a fixed cost per trip
transport_fw_store = 4.096        # vans: a typical day's routes every day (parcels are exact)
handling = 0.972
holding = 1.058
lost_sales = 0.814                # (R, S) shortfall formula vs the replay's losses
late_sales = 1.011

[policy]
service_level = 0.95              # target cycle service level at FWs
review_days = 7                   # order-up-to review period
cdc_fw_lead_days = 2
fw_store_lead_days = 1
cdc_direct_lead_days = 3          # stores no open FW can reach are served from the CDC
max_store_distance_km = 300       # road km from FW to store
min_open_fw = 1
lost_sales = true
supplier_lead_days = 10           # mean supplier → CDC lead time
cdc_cover_days = 21               # CDC warehouse order-up-to = demand × (supplier lead + cover)

[[vehicles]]
name = "truck 9.6 m"
echelon = "cdc_fw"
capacity_units = 12000
capacity_m3 = 55
count = {trucks}
fixed_cost_rmb = 800              # per truck-day used
cost_per_km_rmb = 4.5
cost_per_hour_rmb = 60
speed_kmh = 60
shift_hours = 36                # long-haul: two drivers, back within a day and a half

[[vehicles]]
name = "van 4.2 m"
echelon = "fw_store"
capacity_units = 1500
capacity_m3 = 16
count = {vans}
fixed_cost_rmb = 300
cost_per_km_rmb = 2.2
cost_per_hour_rmb = 40
speed_kmh = 45
shift_hours = 10

[solver]
routing_time_limit_s = 30          # safety cap; solves stop once converged
design_time_limit_s = 120          # safety cap; the MIP is proven optimal in seconds
"""


DEFAULT_SEED = 20260101
DEFAULT_START = date(2026, 1, 1)


def default_name(stores: int, skus: int) -> str:
    """`default` for the bundled chain's size, else `s<stores>x<skus>` (e.g. s1000x2000)."""
    if (stores, skus) == (Sizes.stores, Sizes.skus):
        return "default"
    return f"s{stores}x{skus}"


def main() -> None:
    """`python scenarios/generate.py`: the same generator as `fwdnet generate`."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--name", default=None)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--stores", type=int, default=Sizes.stores)
    ap.add_argument("--skus", type=int, default=Sizes.skus)
    ap.add_argument("--fw-candidates", type=int, default=None)
    ap.add_argument("--history-weeks", type=int, default=Sizes.history_weeks)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    ap.add_argument("--horizon-days", type=int, default=365)
    a = ap.parse_args()
    fw = fw_candidates_for(a.stores) if a.fw_candidates is None else a.fw_candidates
    sizes = Sizes(stores=a.stores, skus=a.skus, fw_candidates=fw,
                  history_weeks=a.history_weeks)
    if size_problem(sizes):
        ap.error(size_problem(sizes))
    path = generate(a.out, a.name or default_name(a.stores, a.skus), sizes, a.seed, a.start,
                    a.horizon_days)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
