//! The public template library the sandbox plays (`/wxaapi/newtmpl/getcategory`,
//! `getpubtemplatetitles`, `getpubtemplatekeywords`): a fixed table of categories and of
//! titles, one-time (type 2) and long-term (type 3), whose keywords cover every keyword type
//! of api-reference-2 §1.1. The same for every account and every run.

/// A category: id and name.
pub(crate) struct Category {
    pub(crate) id: u32,
    pub(crate) name: &'static str,
}

/// A keyword of a title: id, label, type (`rule`) and an example value.
pub(crate) struct Keyword {
    pub(crate) kid: u32,
    pub(crate) name: &'static str,
    pub(crate) rule: &'static str,
    pub(crate) example: &'static str,
}

/// A title of the library.
pub(crate) struct Title {
    pub(crate) tid: u32,
    pub(crate) title: &'static str,
    /// 2 one-time, 3 long-term.
    pub(crate) kind: u8,
    pub(crate) category: u32,
    pub(crate) keywords: &'static [Keyword],
}

impl Title {
    /// The keyword with this id.
    pub(crate) fn keyword(&self, kid: u32) -> Option<&'static Keyword> {
        self.keywords.iter().find(|k| k.kid == kid)
    }
}

/// The categories, in the order `getcategory` lists them.
pub(crate) const CATEGORIES: &[Category] = &[
    Category {
        id: 112,
        name: "电商平台",
    },
    Category {
        id: 209,
        name: "餐饮服务",
    },
    Category {
        id: 307,
        name: "快递",
    },
    Category {
        id: 404,
        name: "在线教育",
    },
    Category {
        id: 616,
        name: "公交",
    },
    Category {
        id: 672,
        name: "生活服务",
    },
];

const fn kw(kid: u32, name: &'static str, rule: &'static str, example: &'static str) -> Keyword {
    Keyword {
        kid,
        name,
        rule,
        example,
    }
}

/// The titles, in the order `getpubtemplatetitles` pages through them.
pub(crate) const TITLES: &[Title] = &[
    Title {
        tid: 99,
        title: "付款成功通知",
        kind: 2,
        category: 112,
        keywords: &[
            kw(1, "物品名称", "thing", "名称"),
            kw(2, "支付金额", "amount", "¥8.50"),
            kw(3, "支付时间", "time", "2019年10月1日 15:01"),
            kw(4, "订单号", "character_string", "SN20191001"),
            kw(5, "支付方式", "phrase", "微信支付"),
            kw(6, "客服电话", "phone_number", "+86-0766-66888866"),
        ],
    },
    Title {
        tid: 298,
        title: "订单发货提醒",
        kind: 2,
        category: 307,
        keywords: &[
            kw(1, "快递公司", "thing", "顺丰速运"),
            kw(2, "快递单号", "character_string", "SF1234567890"),
            kw(3, "发货时间", "time", "2019年10月1日 15:01"),
            kw(4, "物流状态", "phrase", "配送中"),
            kw(5, "收货人", "name", "张三"),
        ],
    },
    Title {
        tid: 1200,
        title: "乘车提醒",
        kind: 3,
        category: 616,
        keywords: &[
            kw(1, "线路名称", "thing", "5路"),
            kw(2, "车牌号", "car_number", "粤A8Z888挂"),
            kw(3, "到站时间", "time", "15:01"),
            kw(4, "剩余站数", "number", "3"),
            kw(5, "车辆等级", "letter", "A"),
        ],
    },
    Title {
        tid: 1315,
        title: "课程开课提醒",
        kind: 3,
        category: 404,
        keywords: &[
            kw(1, "课程名称", "thing", "Rust 入门"),
            kw(2, "开课日期", "date", "2019年10月1日"),
            kw(3, "讲师", "name", "李老师"),
            kw(4, "课程编号", "character_string", "RS-101"),
            kw(5, "上课地点", "thing", "线上直播间"),
        ],
    },
    Title {
        tid: 2010,
        title: "预约成功通知",
        kind: 2,
        category: 209,
        keywords: &[
            kw(1, "门店", "thing", "天河店"),
            kw(2, "预约时间", "time", "2019年10月1日 18:30"),
            kw(3, "人数", "number", "4"),
            kw(4, "座位标记", "symbol", "#"),
            kw(5, "联系电话", "phone_number", "020-88886666"),
        ],
    },
    Title {
        tid: 2011,
        title: "会员到期提醒",
        kind: 3,
        category: 672,
        keywords: &[
            kw(1, "会员名称", "thing", "年度会员"),
            kw(2, "到期日期", "date", "2019年10月1日"),
            kw(3, "续费金额", "amount", "30.00元"),
            kw(4, "会员等级", "letter", "VIP"),
        ],
    },
    Title {
        tid: 3001,
        title: "退款成功通知",
        kind: 2,
        category: 112,
        keywords: &[
            kw(1, "退款金额", "amount", "¥8.50"),
            kw(2, "退款时间", "time", "2019年10月1日 15:01"),
            kw(3, "订单号", "character_string", "SN20191001"),
            kw(4, "退款原因", "thing", "商品缺货"),
        ],
    },
    Title {
        tid: 3002,
        title: "快递签收提醒",
        kind: 2,
        category: 307,
        keywords: &[
            kw(1, "快递单号", "character_string", "SF1234567890"),
            kw(2, "签收时间", "time", "2019年10月1日 15:01"),
            kw(3, "签收人", "name", "张三"),
        ],
    },
];

/// The title with this id.
pub(crate) fn title(tid: u32) -> Option<&'static Title> {
    TITLES.iter().find(|t| t.tid == tid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxoa_types::subscribe::{KeywordLimits, KeywordRule, check_value};

    #[test]
    fn every_example_follows_its_rule_and_every_rule_is_covered() {
        let limits = KeywordLimits::default();
        let mut rules = std::collections::BTreeSet::new();
        for title in TITLES {
            assert!(CATEGORIES.iter().any(|c| c.id == title.category));
            for keyword in title.keywords {
                let rule = KeywordRule::from(keyword.rule);
                assert!(!matches!(rule, KeywordRule::Unknown(_)), "{}", keyword.rule);
                assert_eq!(check_value(&rule, keyword.example, &limits), Ok(()));
                rules.insert(keyword.rule);
            }
        }
        assert_eq!(rules.len(), 12, "{rules:?}");
    }
}
