"""The demo brand's stores, staff and customers: Japanese names with kana, real-format phones."""

from __future__ import annotations

BRAND = {"slug": "kinari", "name_ja": "キナリ", "name_en": "Kinari"}

STORES = (
    {
        "slug": "tokyo-shibuya",
        "name_ja": "キナリ 渋谷店",
        "name_en": "Kinari Shibuya",
        "address_ja": "東京都渋谷区神南1-2-3",
        "address_en": "1-2-3 Jinnan, Shibuya-ku, Tokyo",
        "time_zone": "Asia/Tokyo",
        "phone_e164": "+81334561234",
    },
    {
        "slug": "osaka-umeda",
        "name_ja": "キナリ 梅田店",
        "name_en": "Kinari Umeda",
        "address_ja": "大阪府大阪市北区梅田2-4-6",
        "address_en": "2-4-6 Umeda, Kita-ku, Osaka",
        "time_zone": "Asia/Tokyo",
        "phone_e164": "+81663451234",
    },
)

# (email, family, given, family kana, given kana)
ADMIN = ("admin@kinari.example", "管理", "太郎", "カンリ", "タロウ")
MANAGERS = (
    ("tokyo-shibuya", ("manager.shibuya@kinari.example", "山本", "直樹", "ヤマモト", "ナオキ")),
    ("osaka-umeda", ("manager.umeda@kinari.example", "渡辺", "健二", "ワタナベ", "ケンジ")),
)
# (store, remote, skills, languages, person)
STYLISTS = (
    (
        "tokyo-shibuya",
        True,
        ["womenswear", "fit", "formal"],
        ["ja", "en"],
        ("aiko.tanaka@kinari.example", "田中", "愛子", "タナカ", "アイコ"),
    ),
    (
        "tokyo-shibuya",
        False,
        ["womenswear", "kids"],
        ["ja"],
        ("misaki.suzuki@kinari.example", "鈴木", "美咲", "スズキ", "ミサキ"),
    ),
    (
        "tokyo-shibuya",
        True,
        ["menswear", "formal"],
        ["ja", "en"],
        ("shota.takahashi@kinari.example", "高橋", "翔太", "タカハシ", "ショウタ"),
    ),
    (
        "osaka-umeda",
        True,
        ["womenswear", "fit"],
        ["ja"],
        ("sakura.ito@kinari.example", "伊藤", "さくら", "イトウ", "サクラ"),
    ),
    (
        "osaka-umeda",
        False,
        ["menswear", "fit"],
        ["ja"],
        ("daisuke.nakamura@kinari.example", "中村", "大輔", "ナカムラ", "ダイスケ"),
    ),
    (
        "osaka-umeda",
        True,
        ["womenswear", "kids", "formal"],
        ["ja", "en"],
        ("yumi.kobayashi@kinari.example", "小林", "由美", "コバヤシ", "ユミ"),
    ),
)

FAMILY = (
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"),
    ("森", "モリ", "mori"),
    ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"),
    ("阿部", "アベ", "abe"),
    ("石川", "イシカワ", "ishikawa"),
    ("前田", "マエダ", "maeda"),
    ("藤田", "フジタ", "fujita"),
    ("岡田", "オカダ", "okada"),
    ("後藤", "ゴトウ", "goto"),
    ("長谷川", "ハセガワ", "hasegawa"),
    ("村上", "ムラカミ", "murakami"),
)
GIVEN = (
    ("由紀", "ユキ", "yuki"),
    ("陽菜", "ヒナ", "hina"),
    ("結衣", "ユイ", "yui"),
    ("美月", "ミツキ", "mitsuki"),
    ("彩", "アヤ", "aya"),
    ("真由美", "マユミ", "mayumi"),
    ("恵", "メグミ", "megumi"),
    ("舞", "マイ", "mai"),
    ("千尋", "チヒロ", "chihiro"),
    ("葵", "アオイ", "aoi"),
    ("奈々", "ナナ", "nana"),
    ("香織", "カオリ", "kaori"),
    ("智子", "トモコ", "tomoko"),
    ("裕子", "ユウコ", "yuko"),
    ("明美", "アケミ", "akemi"),
    ("楓", "カエデ", "kaede"),
    ("拓也", "タクヤ", "takuya"),
    ("健太", "ケンタ", "kenta"),
    ("大輝", "ダイキ", "daiki"),
    ("蓮", "レン", "ren"),
    ("悠人", "ユウト", "yuto"),
    ("直人", "ナオト", "naoto"),
    ("誠", "マコト", "makoto"),
    ("亮", "リョウ", "ryo"),
    ("美穂", "ミホ", "miho"),
    ("沙織", "サオリ", "saori"),
    ("麻衣", "マイ", "mai2"),
    ("瞳", "ヒトミ", "hitomi"),
    ("理恵", "リエ", "rie"),
    ("絵里", "エリ", "eri"),
)
DEMO_CUSTOMER_EMAIL = "yuki.sato@example.jp"


def customers() -> list[tuple[str, str, str, str, str]]:
    """30 customers; the first is 佐藤 由紀 from the product brief."""
    people = []
    for index in range(30):
        family, family_kana, family_roma = FAMILY[index]
        given, given_kana, given_roma = GIVEN[index]
        email = f"{given_roma.rstrip('0123456789')}.{family_roma}@example.jp"
        people.append((email, family, given, family_kana, given_kana))
    return people
