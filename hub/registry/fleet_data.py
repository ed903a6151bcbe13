"""Reference data for the demo fleet of Wuxi: districts, streets, names, vendors, produce.

Districts are Wuxi's five urban districts and its two county-level cities; subdistricts
are the real street offices and towns of each (pinyin, without tone marks). Vendors and
models are plausible names of the kind found in Chinese residential compounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

CITY_CODE: Final = "wuxi"
CITY_NAME: Final = "Wuxi"

DISTRICTS: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    # (code suffix, name, subdistricts) - Wuxi's 7 districts and county-level cities
    (
        "liangxi",
        "Liangxi",
        (
            "Chongan",
            "Guangrui",
            "Tonghui",
            "Guangyi",
            "Huangxiang",
            "Shangmadun",
            "Yangming",
            "Qingmingqiao",
            "Jinxing",
            "Nanchang",
        ),
    ),
    ("xinwu", "Xinwu", ("Wangzhuang", "Shuofang", "Jiangxi", "Meicun", "Hongshan", "Xinan")),
    (
        "binhu",
        "Binhu",
        (
            "Helie",
            "Rongxiang",
            "Lihu",
            "Liyuan",
            "Huazhuang",
            "Taihu",
            "Xuelang",
            "Mashan",
            "Hudai",
        ),
    ),
    ("huishan", "Huishan", ("Yanqiao", "Changan", "Qianqiao", "Qianzhou", "Yuqi", "Luoshe")),
    (
        "xishan",
        "Xishan",
        ("Dongting", "Anzhen", "Houqiao", "Dongbeitang", "Yunlin", "Donggang", "Xibei", "Ehu"),
    ),
    (
        "jiangyin",
        "Jiangyin",
        (
            "Chengjiang",
            "Nanzha",
            "Yunting",
            "Shengang",
            "Xiagang",
            "Ligang",
            "Yuecheng",
            "Qingyang",
            "Xuxiake",
            "Huashi",
            "Zhouzhuang",
            "Xinqiao",
        ),
    ),
    (
        "yixing",
        "Yixing",
        (
            "Yicheng",
            "Qiting",
            "Xinjie",
            "Xinzhuang",
            "Fangqiao",
            "Dingshu",
            "Heqiao",
            "Zhangzhu",
            "Gaocheng",
            "Zhoutie",
        ),
    ),
)

DISTRICT_WEIGHTS: Final[dict[str, float]] = {
    # relative density of residential compounds per street office
    "liangxi": 1.6,
    "xinwu": 1.2,
    "binhu": 1.3,
    "huishan": 1.0,
    "xishan": 0.9,
    "jiangyin": 0.7,
    "yixing": 0.6,
}

COMMUNITY_PREFIXES: Final = (
    "Jinxiu",
    "Xingfu",
    "Heping",
    "Chunjiang",
    "Taihu",
    "Huayuan",
    "Qingshan",
    "Lanting",
    "Wanke",
    "Lvdi",
    "Jinqiao",
    "Xiangyun",
    "Donghu",
    "Xiyuan",
    "Nanyuan",
    "Beitang",
    "Meiyuan",
    "Lihu",
    "Yunhe",
    "Zhongnan",
    "Hongxing",
    "Shuixiu",
    "Tianyi",
    "Fengqiao",
    "Liuying",
    "Qinghe",
    "Mingzhu",
    "Huilong",
    "Baoli",
    "Jiangnan",
    "Guanghua",
    "Yuhua",
    "Yijing",
    "Ronghe",
    "Xiangshu",
    "Zijin",
    "Boxue",
    "Longxi",
    "Taohua",
    "Cuiwei",
    "Shuguang",
    "Xinghe",
    "Jinma",
    "Yinxiu",
    "Lingshan",
    "Jiuli",
    "Wuhu",
    "Qingyuan",
)
COMMUNITY_SUFFIXES: Final = (
    "Xincun",
    "Jiayuan",
    "Huayuan",
    "Xiaoqu",
    "Mingdi",
    "Gongyu",
    "Yuan",
    "Fu",
    "Ting",
    "Wan",
    "Cheng",
    "Shequ",
)

SURNAMES: Final = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
    "Qian",
    "Shen",
    "Gu",
    "Jiang",
)
GIVEN_NAMES: Final = (
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Qiang",
    "Lei",
    "Jun",
    "Yang",
    "Yong",
    "Yan",
    "Jie",
    "Tao",
    "Ming",
    "Chao",
    "Xiuying",
    "Xia",
    "Ping",
    "Gang",
    "Hua",
    "Hui",
    "Yu",
    "Lan",
    "Jian",
    "Hao",
    "Yifan",
    "Zihan",
    "Yuxuan",
    "Haoran",
    "Xinyi",
    "Mengqi",
    "Jiahui",
)


@dataclass(frozen=True, slots=True)
class DeviceModel:
    vendor: str
    model: str
    firmware_versions: tuple[str, ...]
    weight: float


LOCKER_MODELS: Final = (
    # v1 firmware: lock-control boards reporting latch and sensor bitmaps
    DeviceModel("Kerong", "KR-PL24 (CU16 boards)", ("1.4.2", "1.6.0"), 2.0),
    DeviceModel("Sudiyi", "SDY-Z36", ("1.6.0",), 1.0),
    # v2 firmware: compartment lists with size and state
    DeviceModel("Hive Box", "HB-F60", ("2.0.3", "2.1.0"), 3.0),
    DeviceModel("Cainiao", "CN-SL48", ("2.1.0", "2.2.1"), 2.0),
)
VENDING_MODELS: Final = (
    DeviceModel("Fuji Electric", "FVM-F40 Fresh", ("2.3.1", "2.4.0"), 2.0),
    DeviceModel("Ubox", "UB-GV30", ("2.4.0",), 2.0),
    DeviceModel("Zhongji", "ZJ-V32C", ("2.2.5", "2.4.0"), 1.0),
)
DOOR_MODELS: Final = (
    DeviceModel("HID Global", "Signo 40K", ("2.1.0", "2.2.3"), 2.0),
    DeviceModel("ZKTeco", "KR610 OSDP", ("1.8.2",), 1.5),
    DeviceModel("Hikvision", "DS-K1108 OSDP", ("1.9.0", "2.0.1"), 1.5),
)

VEGETABLES: Final[tuple[tuple[str, int], ...]] = (
    # (product, typical price in fen)
    ("Bok choy 500g", 350),
    ("Tomatoes 500g", 600),
    ("Cucumbers 500g", 320),
    ("Potatoes 1kg", 480),
    ("Eggplant 500g", 450),
    ("Carrots 500g", 280),
    ("Spinach 300g", 500),
    ("Celery 400g", 380),
    ("Napa cabbage 1pc", 420),
    ("Scallions 150g", 200),
    ("Ginger 200g", 300),
    ("Garlic 250g", 350),
    ("Lotus root 500g", 880),
    ("Bean sprouts 400g", 220),
    ("Firm tofu 400g", 350),
    ("Eggs 10pcs", 1280),
    ("Green peppers 400g", 460),
    ("Winter melon 1kg", 300),
    ("Pumpkin 1kg", 500),
    ("Broccoli 1pc", 650),
    ("Shiitake 250g", 780),
    ("Sweet corn 2pcs", 500),
    ("Lettuce 1pc", 350),
    ("Water spinach 400g", 400),
    ("Bamboo shoots 500g", 980),
    ("Chinese chives 300g", 380),
    ("Taihu water chestnuts 500g", 900),
    ("Yam 500g", 760),
)
