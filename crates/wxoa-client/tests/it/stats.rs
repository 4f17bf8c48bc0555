//! `client.stats()`'s row types against the fixtures written from the spec
//! (`fixtures/api/datacube/`): every endpoint's answer decodes, numbers sent as strings and
//! wechatpy's `max_time_count` spelling included; the platform's codes in the rows typed, sent
//! as numbers or strings, unknown ones kept (`codes.json`).

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wxoa_client::api::stats::{
    ArticleRead, ArticleShare, ArticleSummary, ArticleTotal, ArticleTotalDetail, BizSummary,
    CountInterval, FollowSource, InterfaceSummary, MsgType, PublishType, ReadSource, ShareScene,
    UpstreamMsg, UpstreamMsgDist, UserCumulate, UserRead, UserShare, UserSummary,
};

use crate::sandbox_env::fixture;

fn rows<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let body = fixture("datacube", &format!("{name}.response.json"));
    serde_json::from_value(body["list"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn follower_rows_decode() {
    let summary: Vec<UserSummary> = rows("getusersummary");
    assert_eq!(
        (summary[1].user_source, summary[1].new_user),
        (FollowSource::QrCode, 12)
    );
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
        assert_eq!(share[0].share_scene, ShareScene::Friend);
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
        assert_eq!(msgs[0].msg_type, MsgType::Text, "{name}");
    }
    for name in [
        "getupstreammsgdist",
        "getupstreammsgdistweek",
        "getupstreammsgdistmonth",
    ] {
        let dist: Vec<UpstreamMsgDist> = rows(name);
        assert!((1..=3).contains(&dist[0].count_interval.code()), "{name}");
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
        (ShareScene::Moments, 23, 11)
    );
    let wechatpy: Value = json!({"ref_date": "2014-12-07", "callback_count": 1234, "fail_count": 0,
                                 "total_time_cost": 12345, "max_time_count": 123});
    let row: InterfaceSummary = serde_json::from_value(wechatpy).unwrap();
    assert_eq!(row.max_time_cost, 123);
    let bad: Result<UserCumulate, _> =
        serde_json::from_value(json!({"ref_date": "2026/03/02", "cumulate_user": 1}));
    assert!(bad.is_err());
}

/// The rows of endpoint `name` in `codes.json`.
fn coded<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let body = fixture("datacube", "codes.json");
    serde_json::from_value(body[name]["list"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn codes_in_rows_are_typed_from_numbers_or_strings_and_unknown_ones_kept() {
    let users: Vec<UserSummary> = coded("getusersummary");
    assert_eq!(users[0].user_source, FollowSource::QrCode);
    assert_eq!(users[1].user_source, FollowSource::Unknown(999));
    let reads: Vec<UserRead> = coded("getuserread");
    assert_eq!(reads[0].user_source, ReadSource::All);
    assert_eq!(reads[1].user_source, ReadSource::Unknown(8));
    let shares: Vec<UserShare> = coded("getusershare");
    assert_eq!(shares[0].share_scene, ShareScene::Other);
    assert_eq!(shares[1].share_scene, ShareScene::Unknown(4));
    let msgs: Vec<UpstreamMsg> = coded("getupstreammsg");
    assert_eq!(msgs[0].msg_type, MsgType::Link);
    assert_eq!(msgs[1].msg_type, MsgType::Unknown(5));
    let dist: Vec<UpstreamMsgDist> = coded("getupstreammsgdist");
    assert_eq!(dist[0].count_interval, CountInterval::MoreThanTen);
    assert_eq!(dist[1].count_interval, CountInterval::Unknown(4));
    let total: Vec<ArticleTotalDetail> = coded("getarticletotaldetail");
    assert_eq!(total[0].publish_type, PublishType::Silent);
    assert_eq!(total[1].publish_type, PublishType::Unknown(2));
    // Written back as the platform's numbers, unknown ones included.
    let written = serde_json::to_value(&shares[1]).unwrap();
    assert_eq!(written["share_scene"], 4);
    let bad: Result<UserShare, _> =
        serde_json::from_value(json!({"ref_date": "2026-03-02", "share_scene": "friend"}));
    assert!(bad.is_err());
}
