//! `client.cards()` deposited codes, the test whitelist, landing pages, article HTML and a
//! follower's cards against the sandbox's scripted answers: the bodies sent are the request fixtures
//! written from the spec (api-reference-2 §10), the answers are read from the response
//! fixtures, and every rule refuses before anything is sent.

use serde_json::json;
use wxoa_client::api::card::{LandingCard, LandingScene};

use crate::contract_env::{contract, refused_locally, request_fixture};

const DEPOSIT: &str = "/card/code/deposit";
const COUNT: &str = "/card/code/getdepositcount";
const CHECK: &str = "/card/code/checkcode";
const WHITELIST: &str = "/card/testwhitelist/set";
const LANDING: &str = "/card/landingpage/create";
const HTML: &str = "/card/mpnews/gethtml";
const HELD: &str = "/card/user/getcardlist";
const BANNER: &str = "http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/banner";
const THUMB: &str = "http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/thumb";

#[tokio::test]
async fn deposits_send_the_spec_bodies_and_read_the_answers() {
    let env = contract().await;
    env.answer_fixture(DEPOSIT, "card", "code_deposit").await;
    env.answer_fixture(COUNT, "card", "code_getdepositcount")
        .await;
    env.answer_fixture(CHECK, "card", "code_checkcode").await;
    let cards = env.client.cards();
    let done = cards
        .deposit_codes("CARD_ID", ["11111", "22222", "33333"])
        .await
        .unwrap();
    assert_eq!(done.succ_code, ["11111", "22222"]);
    assert_eq!(done.duplicate_code, ["33333"]);
    assert!(done.fail_code.is_empty());
    assert_eq!(cards.deposit_count("CARD_ID").await.unwrap(), 123);
    let checked = cards
        .check_codes("CARD_ID", ["11111", "44444"])
        .await
        .unwrap();
    assert_eq!(checked.exist_code, ["11111"]);
    assert_eq!(checked.not_exist_code, ["44444"]);
    for (path, name) in [
        (DEPOSIT, "code_deposit"),
        (COUNT, "code_getdepositcount"),
        (CHECK, "code_checkcode"),
    ] {
        assert_eq!(
            env.last_json(path),
            request_fixture("card", name, &[]),
            "{name}"
        );
    }
}

fn codes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("C{i}")).collect()
}

refused_locally!(
    a_deposit_of_more_than_100_codes_is_refused,
    DEPOSIT,
    ("code", "1..=100 codes, got 101"),
    |client| client.cards().deposit_codes("C", codes(101))
);

refused_locally!(
    a_deposit_of_no_code_is_refused,
    DEPOSIT,
    ("code", "1..=100 codes, got 0"),
    |client| client.cards().deposit_codes("C", codes(0))
);

refused_locally!(
    an_empty_code_is_refused,
    DEPOSIT,
    ("code[1]", "must not be empty"),
    |client| client.cards().deposit_codes("C", ["A", ""])
);

refused_locally!(
    a_check_of_more_than_100_codes_is_refused,
    CHECK,
    ("code", "1..=100 codes, got 101"),
    |client| client.cards().check_codes("C", codes(101))
);

refused_locally!(
    a_deposit_count_needs_a_card,
    COUNT,
    ("card_id", "must not be empty"),
    |client| client.cards().deposit_count("")
);

#[tokio::test]
async fn the_whitelist_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(WHITELIST, "card", "testwhitelist_set")
        .await;
    env.client
        .cards()
        .set_test_whitelist()
        .openid("OPENID")
        .username("tester42")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(WHITELIST),
        request_fixture("card", "testwhitelist_set", &[])
    );
}

refused_locally!(
    a_whitelist_of_more_than_10_users_is_refused,
    WHITELIST,
    ("openid", "at most 10 users, got 11"),
    |client| (0..11).fold(client.cards().set_test_whitelist(), |r, i| r
        .username(format!("tester{i}")))
);

refused_locally!(
    an_empty_openid_on_the_whitelist_is_refused,
    WHITELIST,
    ("openid[0]", "must not be empty"),
    |client| client.cards().set_test_whitelist().openid("")
);

#[tokio::test]
async fn a_landing_page_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(LANDING, "card", "landingpage_create")
        .await;
    let page = env
        .client
        .cards()
        .create_landing_page(
            BANNER,
            "Our cards",
            LandingScene::Menu,
            LandingCard::new("CARD_ID", THUMB),
        )
        .await
        .unwrap();
    assert_eq!(page.page_id, 1);
    assert!(page.url.contains("cardlandingpage"));
    assert_eq!(
        env.last_json(LANDING),
        request_fixture("card", "landingpage_create", &[])
    );
}

refused_locally!(
    a_landing_banner_that_is_not_a_url_is_refused,
    LANDING,
    ("banner", "http or https"),
    |client| client.cards().create_landing_page(
        "banner.png",
        "T",
        LandingScene::H5,
        LandingCard::new("C", THUMB)
    )
);

refused_locally!(
    a_landing_page_needs_a_title,
    LANDING,
    ("page_title", "must not be empty"),
    |client| client.cards().create_landing_page(
        BANNER,
        "",
        LandingScene::H5,
        LandingCard::new("C", THUMB)
    )
);

refused_locally!(
    a_landing_page_of_an_unknown_scene_is_refused,
    LANDING,
    ("scene", "must be SCENE_NEAR_BY"),
    |client| client.cards().create_landing_page(
        BANNER,
        "T",
        LandingScene::from("SCENE_BILLBOARD"),
        LandingCard::new("C", THUMB)
    )
);

refused_locally!(
    a_landing_thumbnail_that_is_not_a_url_is_refused,
    LANDING,
    ("card_list[1].thumb_url", "http or https"),
    |client| client
        .cards()
        .create_landing_page(BANNER, "T", LandingScene::Ivr, LandingCard::new("C", THUMB))
        .card(LandingCard::new("D", "thumb.png"))
);

#[tokio::test]
async fn the_article_html_is_read() {
    let env = contract().await;
    env.answer_fixture(HTML, "card", "mpnews_gethtml").await;
    let html = env.client.cards().article_html("CARD_ID").await.unwrap();
    assert!(html.starts_with("<iframe"));
    assert_eq!(
        env.last_json(HTML),
        request_fixture("card", "mpnews_gethtml", &[])
    );
}

#[tokio::test]
async fn a_follower_s_cards_are_read() {
    let env = contract().await;
    env.answer_fixture(HELD, "card", "user_getcardlist").await;
    let held = env.client.cards().held_by("OPENID").await.unwrap();
    assert_eq!(held.card_list[0].code, "110201201245");
    assert!(!held.has_share_card);
    assert_eq!(
        env.last_json(HELD),
        request_fixture("card", "user_getcardlist", &[])
    );
    env.client
        .cards()
        .held_by("OPENID")
        .card_id("pA")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(HELD),
        json!({"openid": "OPENID", "card_id": "pA"})
    );
}

refused_locally!(
    a_follower_s_cards_need_an_openid,
    HELD,
    ("openid", "must not be empty"),
    |client| client.cards().held_by("")
);
