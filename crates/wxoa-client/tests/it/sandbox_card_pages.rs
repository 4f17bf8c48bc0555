//! `client.cards()` deposited codes, the test whitelist, landing pages, article HTML and a
//! follower's cards against the sandbox, with the platform's refusals as typed errors.

use wxoa_client::api::card::{Card, LandingCard, LandingScene};
use wxoa_sandbox::{CardRules, Sandbox};
use wxoa_types::ids::CardId;

use crate::sandbox_card::{base, logo, scan};
use crate::sandbox_env::{Env, env, env_with, errcode};

const THUMB: &str = "http://mmbiz.qpic.cn/thumb";

/// A groupon, with custom codes when `custom`.
async fn groupon(env: &Env, custom: bool) -> CardId {
    let logo = logo(env).await;
    let card = Card::groupon(base(&logo).use_custom_code(custom), "deal");
    env.client.cards().create(card).await.unwrap()
}

#[tokio::test]
async fn deposited_codes_are_counted_checked_and_handed_out() {
    let env = env(1).await;
    let follower = env.followers(1).await.remove(0);
    let card_id = groupon(&env, true).await;
    let cards = env.client.cards();
    let done = cards
        .deposit_codes(card_id.as_str(), ["A1", "A2", "A2"])
        .await
        .unwrap();
    assert_eq!(done.succ_code, ["A1", "A2"]);
    assert_eq!(done.duplicate_code, ["A2"]);
    assert_eq!(cards.deposit_count(card_id.as_str()).await.unwrap(), 2);
    let checked = cards
        .check_codes(card_id.as_str(), ["A1", "Z9"])
        .await
        .unwrap();
    assert_eq!(
        (checked.exist_code, checked.not_exist_code),
        (vec!["A1".to_owned()], vec!["Z9".to_owned()])
    );

    let qr = cards.qrcode(card_id.as_str()).await.unwrap();
    let held = scan(&env, &follower, qr.code.ticket.as_str()).await;
    assert_eq!(held[0]["code"], "A1");
    let listed = cards.held_by(follower.as_str()).await.unwrap();
    assert_eq!(listed.card_list.len(), 1);
    assert_eq!(listed.card_list[0].code, "A1");
    assert_eq!(listed.card_list[0].card_id, card_id);
}

#[tokio::test]
async fn a_deposit_for_a_card_without_custom_codes_is_47003() {
    let env = env(1).await;
    let card_id = groupon(&env, false).await;
    let result = env
        .client
        .cards()
        .deposit_codes(card_id.as_str(), ["A1"])
        .await;
    assert_eq!(errcode(result), 47003);
}

#[tokio::test]
async fn a_deposit_over_the_sandbox_s_limit_is_its_errcode() {
    // The client allows 100 codes; a sandbox set to 2 refuses 3 with the code it is given.
    let rules = CardRules {
        max_codes_per_call: 2,
        ..CardRules::default()
    };
    let env = env_with(Sandbox::builder().card_rules(rules)).await;
    let card_id = groupon(&env, true).await;
    let result = env
        .client
        .cards()
        .deposit_codes(card_id.as_str(), ["A", "B", "C"])
        .await;
    assert_eq!(errcode(result), 40109);
}

#[tokio::test]
async fn the_whitelist_is_set() {
    let env = env(2).await;
    let followers = env.followers(2).await;
    env.client
        .cards()
        .set_test_whitelist()
        .openid(followers[0].as_str())
        .username("tester")
        .await
        .unwrap();
    let shown = env.control().card_whitelist().await.unwrap();
    assert_eq!(shown.openid, [followers[0].clone()]);
    assert_eq!(shown.username, ["tester"]);
}

#[tokio::test]
async fn a_whitelist_of_an_unknown_openid_is_40003() {
    let env = env(1).await;
    let result = env
        .client
        .cards()
        .set_test_whitelist()
        .openid("oNobody")
        .await;
    assert_eq!(errcode(result), 40003);
}

#[tokio::test]
async fn a_landing_page_and_article_html_show_cards() {
    let env = env(1).await;
    let card_id = groupon(&env, false).await;
    let cards = env.client.cards();
    let page = cards
        .create_landing_page(
            "http://mmbiz.qpic.cn/banner",
            "Our cards",
            LandingScene::Article,
            LandingCard::new(card_id.clone(), THUMB),
        )
        .can_share(false)
        .await
        .unwrap();
    assert_eq!(page.page_id, 1);
    assert!(page.url.contains("SCENE_ARTICLE"), "{}", page.url);
    let html = cards.article_html(card_id.as_str()).await.unwrap();
    assert!(html.contains(card_id.as_str()), "{html}");
}

#[tokio::test]
async fn a_landing_page_of_a_custom_code_card_without_codes_is_47003() {
    let env = env(1).await;
    let card_id = groupon(&env, true).await;
    let result = env
        .client
        .cards()
        .create_landing_page(
            "http://mmbiz.qpic.cn/banner",
            "Our cards",
            LandingScene::Menu,
            LandingCard::new(card_id, THUMB),
        )
        .await;
    assert_eq!(errcode(result), 47003);
}

#[tokio::test]
async fn the_html_of_an_unknown_card_is_47003() {
    let env = env(1).await;
    assert_eq!(
        errcode(env.client.cards().article_html("pNothing").await),
        47003
    );
}

#[tokio::test]
async fn the_cards_of_an_unknown_openid_are_40003() {
    let env = env(1).await;
    assert_eq!(errcode(env.client.cards().held_by("oNobody").await), 40003);
}
