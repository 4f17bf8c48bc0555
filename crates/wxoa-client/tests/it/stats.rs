//! `client.stats()`'s row types against the fixtures written from the spec
//! (`fixtures/api/datacube/`): every endpoint's answer decodes, numbers sent as strings and
//! wechatpy's `max_time_count` spelling included.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wxoa_client::api::stats::{
    ArticleRead, ArticleShare, ArticleSummary, ArticleTotal, ArticleTotalDetail, BizSummary,
    InterfaceSummary, UpstreamMsg, UpstreamMsgDist, UserCumulate, UserRead, UserShare, UserSummary,
};

use crate::sandbox_env::fixture;

fn rows<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let body = fixture("datacube", &format!("{name}.response.json"));
    serde_json::from_value(body["list"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn follower_rows_decode() {
    let summary: Vec<UserSummary> = rows("getusersummary");
    assert_eq!((summary[1].user_source, summary[1].new_user), (30, 12));
    assert_eq!(summary[0].cancel_user, 3);
    let cumulate: Vec<UserCumulate> = rows("getusercumulate");
    assert_eq!(cumulate[0].cumulate_user, 1_217_056);
    assert_eq!(cumulate[0].ref_date.to_string(), "2026-03-02");
}

#[test]
fn article_rows_decode() {
    let summary: Vec<ArticleSummary> = rows("getarticlesummary");
    assert_eq!(
        (summary[0].msgid.as_str(), summary[0].int_page_read_count),
        ("10000050_1", 25_615)
    );
    let total: Vec<ArticleTotal> = rows("getarticletotal");
    let detail = &total[0].details[0];
    assert_eq!((detail.target_user, detail.share_count), (261_917, 994));
    assert_eq!(detail.extra["int_page_from_feed_read_count"], 2);
    assert!(total[0].url.is_some());
    for name in ["getuserread", "getuserreadhour"] {
        let read: Vec<UserRead> = rows(name);
        assert_eq!(read[0].add_to_fav_count, 3);
    }
    let hour: Vec<UserRead> = rows("getuserreadhour");
    assert_eq!(hour[0].ref_hour, Some(1200));
    for name in ["getusershare", "getusersharehour"] {
        let share: Vec<UserShare> = rows(name);
        assert_eq!(share[0].share_scene, 1);
    }
}

#[test]
fn message_and_interface_rows_decode() {
    for name in [
        "getupstreammsg",
        "getupstreammsghour",
        "getupstreammsgweek",
        "getupstreammsgmonth",
    ] {
        let msgs: Vec<UpstreamMsg> = rows(name);
        assert_eq!(msgs[0].msg_type, 1, "{name}");
    }
    for name in [
        "getupstreammsgdist",
        "getupstreammsgdistweek",
        "getupstreammsgdistmonth",
    ] {
        let dist: Vec<UpstreamMsgDist> = rows(name);
        assert!((1..=3).contains(&dist[0].count_interval), "{name}");
    }
    let hourly: Vec<InterfaceSummary> = rows("getinterfacesummaryhour");
    assert_eq!(
        (hourly[0].ref_hour, hourly[0].max_time_cost),
        (Some(1300), 40)
    );
    let daily: Vec<InterfaceSummary> = rows("getinterfacesummary");
    assert_eq!(daily[0].average_ms(), 10);
}

#[test]
fn published_rows_decode() {
    let biz: Vec<BizSummary> = rows("getbizsummary");
    assert_eq!(biz[0].detail.read_user, 50);
    assert_eq!(biz[0].detail.read_user_source[0].scene_desc, "全部");
    let read: Vec<ArticleRead> = rows("getarticleread");
    assert_eq!(read[0].detail.read_user_source.len(), 3);
    let share: Vec<ArticleShare> = rows("getarticleshare");
    assert_eq!(share[0].share_user(), 4);
    let total: Vec<ArticleTotalDetail> = rows("getarticletotaldetail");
    let stat = &total[0].detail_list[0];
    assert_eq!((stat.praise_money, stat.read_jump_position.len()), (100, 2));
    assert!((stat.read_delivery_rate - 0.25).abs() < f64::EPSILON);
}

#[test]
fn numbers_as_strings_and_the_old_spelling_are_read() {
    let row: UserShare = serde_json::from_value(
        json!({"ref_date": "2026-03-02", "share_scene": "2", "share_count": "23", "share_user": "11"}),
    )
    .unwrap();
    assert_eq!(
        (row.share_scene, row.share_count, row.share_user),
        (2, 23, 11)
    );
    let wechatpy: Value = json!({"ref_date": "2014-12-07", "callback_count": 1234, "fail_count": 0,
                                 "total_time_cost": 12345, "max_time_count": 123});
    let row: InterfaceSummary = serde_json::from_value(wechatpy).unwrap();
    assert_eq!(row.max_time_cost, 123);
    let bad: Result<UserCumulate, _> =
        serde_json::from_value(json!({"ref_date": "2026/03/02", "cumulate_user": 1}));
    assert!(bad.is_err());
}
