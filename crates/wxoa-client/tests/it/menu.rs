//! `client.menus()` against the sandbox (api-reference §15).

use serde_json::{Value, json};
use wxoa_client::api::menu::{Button, ButtonType, MatchRule, Menu};

use crate::sandbox_env::{Env, env, errcode, fixture, refused, request_fixture};

const CREATE: &str = "/cgi-bin/menu/create";
const ADD_CONDITIONAL: &str = "/cgi-bin/menu/addconditional";
const DEL_CONDITIONAL: &str = "/cgi-bin/menu/delconditional";
const TRY_MATCH: &str = "/cgi-bin/menu/trymatch";

fn spec_menu() -> (Value, Menu) {
    let body = fixture("menu", "create.request.json");
    let menu = serde_json::from_value(body.clone()).unwrap();
    (body, menu)
}

async fn with_default_menu(env: &Env) -> Menu {
    let (_, menu) = spec_menu();
    env.client.menus().create(menu.clone()).await.unwrap();
    menu
}

#[tokio::test]
async fn the_spec_menu_is_created_as_it_is_and_read_back() {
    let env = env(1).await;
    let (body, menu) = spec_menu();
    assert!(menu.validate().is_empty(), "{:?}", menu.validate());
    env.client.menus().create(menu.clone()).await.unwrap();
    assert_eq!(env.last_body(CREATE).await, body);
    let menus = env.client.menus().get().await.unwrap();
    let current = menus.menu.unwrap();
    assert_eq!(current.button, menu.button);
    assert!(current.menuid.is_some());
    assert!(menus.conditionalmenu.is_empty());
}

#[tokio::test]
async fn a_menu_that_breaks_rules_is_refused_with_every_violation_and_nothing_is_sent() {
    let env = env(1).await;
    let menu = Menu::new(vec![
        Button::click("这个名字太长了啊", "K"),
        Button::parent(
            "p",
            vec![
                Button::click("a", "k".repeat(129)),
                Button::view("b", "nope"),
            ],
        ),
    ]);
    let message = refused(env.client.menus().create(menu).await);
    assert_eq!(
        message,
        "the menu breaks 3 rule(s):\n\
         button[0].name: longer than 16 bytes\n\
         button[1].sub_button[0].key: longer than 128 bytes\n\
         button[1].sub_button[1].url: must be an http or https URL"
    );
    assert!(env.calls(CREATE).await.is_empty());
}

#[tokio::test]
async fn a_default_menu_with_a_matchrule_is_refused() {
    let env = env(1).await;
    let menu = Menu::conditional(vec![Button::click("a", "K")], MatchRule::tag(2));
    assert!(refused(env.client.menus().create(menu).await).starts_with("matchrule: "));
}

#[tokio::test]
async fn a_media_button_without_material_is_40007() {
    let env = env(1).await;
    let menu = Menu::new(vec![Button::with_media(
        ButtonType::MediaId,
        "图片",
        "NO_SUCH_MATERIAL",
    )]);
    assert_eq!(errcode(env.client.menus().create(menu).await), 40007);
}

#[tokio::test]
async fn an_unlinked_mini_program_is_45064() {
    let env = env(1).await;
    let button = Button::miniprogram(
        "wxa",
        "not-an-appid",
        "pages/index",
        "https://mp.weixin.qq.com",
    );
    assert_eq!(
        errcode(env.client.menus().create(Menu::new(vec![button])).await),
        45064
    );
}

#[tokio::test]
async fn get_without_a_menu_is_46003() {
    let env = env(1).await;
    assert_eq!(errcode(env.client.menus().get().await), 46003);
}

#[tokio::test]
async fn delete_removes_every_menu() {
    let env = env(1).await;
    with_default_menu(&env).await;
    env.client.menus().delete().await.unwrap();
    assert_eq!(errcode(env.client.menus().get().await), 46003);
    assert_eq!(env.calls("/cgi-bin/menu/delete").await[0].method, "GET");
}

#[tokio::test]
async fn a_conditional_menu_goes_out_as_the_spec_shows_and_can_be_deleted() {
    let env = env(1).await;
    with_default_menu(&env).await;
    let tag = env.client.tags().create("VIP").await.unwrap().id;
    let body = request_fixture(
        "menu",
        "addconditional",
        &[("TAG_ID", json!(tag.to_string()))],
    );
    let menu: Menu = serde_json::from_value(body.clone()).unwrap();
    let menuid = env.client.menus().add_conditional(menu).await.unwrap();
    assert_eq!(env.last_body(ADD_CONDITIONAL).await, body);
    let menus = env.client.menus().get().await.unwrap();
    let conditional = &menus.conditionalmenu[0];
    assert_eq!(conditional.menuid.as_deref(), Some(menuid.as_str()));
    assert_eq!(
        conditional.matchrule.as_ref().unwrap().tag_id,
        Some(tag.to_string())
    );
    env.client
        .menus()
        .delete_conditional(menuid.as_str())
        .await
        .unwrap();
    let expected = request_fixture("menu", "delconditional", &[("MENU_ID", json!(menuid))]);
    assert_eq!(env.last_body(DEL_CONDITIONAL).await, expected);
    assert!(
        env.client
            .menus()
            .get()
            .await
            .unwrap()
            .conditionalmenu
            .is_empty()
    );
}

#[tokio::test]
async fn a_conditional_menu_needs_a_rule_and_a_default_menu() {
    let env = env(1).await;
    let buttons = vec![Button::click("a", "K")];
    let no_rule = env
        .client
        .menus()
        .add_conditional(Menu::new(buttons.clone()))
        .await;
    assert!(refused(no_rule).starts_with("matchrule: "));
    let empty = Menu::conditional(buttons.clone(), MatchRule::default());
    assert!(
        refused(env.client.menus().add_conditional(empty).await)
            .contains("matchrule: needs at least one rule")
    );
    assert!(env.calls(ADD_CONDITIONAL).await.is_empty());
    let rule = MatchRule::default().sex(1);
    let first = Menu::conditional(buttons, rule);
    assert_eq!(
        errcode(env.client.menus().add_conditional(first).await),
        65303
    );
}

#[tokio::test]
async fn a_conditional_menu_for_an_unknown_tag_is_45159() {
    let env = env(1).await;
    with_default_menu(&env).await;
    let menu = Menu::conditional(vec![Button::click("a", "K")], MatchRule::tag(999));
    assert_eq!(
        errcode(env.client.menus().add_conditional(menu).await),
        45159
    );
}

#[tokio::test]
async fn deleting_an_unknown_conditional_menu_is_65301() {
    let env = env(1).await;
    with_default_menu(&env).await;
    assert_eq!(
        errcode(env.client.menus().delete_conditional("12345").await),
        65301
    );
}

#[tokio::test]
async fn try_match_sends_the_spec_body_and_finds_the_users_menu() {
    let env = env(1).await;
    let openid = env.followers(1).await.remove(0);
    let menu = with_default_menu(&env).await;
    let tag = env.client.tags().create("VIP").await.unwrap().id;
    env.client.tags().tag(tag, [openid.as_str()]).await.unwrap();
    let vip = vec![Button::view("tx", "http://www.qq.com/")];
    env.client
        .menus()
        .add_conditional(Menu::conditional(vip.clone(), MatchRule::tag(tag)))
        .await
        .unwrap();
    let buttons = env.client.menus().try_match(openid.as_str()).await.unwrap();
    assert_eq!(buttons, vip);
    assert_eq!(
        env.last_body(TRY_MATCH).await,
        request_fixture("menu", "trymatch", &[("OPENID", json!(openid))])
    );
    env.client
        .tags()
        .untag(tag, [openid.as_str()])
        .await
        .unwrap();
    assert_eq!(
        env.client.menus().try_match(openid.as_str()).await.unwrap(),
        menu.button
    );
}

#[tokio::test]
async fn try_match_of_an_unknown_user_is_65302_and_without_a_menu_46003() {
    let env = env(1).await;
    let openid = env.followers(1).await.remove(0);
    assert_eq!(
        errcode(env.client.menus().try_match(openid.as_str()).await),
        46003
    );
    with_default_menu(&env).await;
    assert_eq!(
        errcode(env.client.menus().try_match("oNobody").await),
        65302
    );
}

#[tokio::test]
async fn the_current_menu_comes_in_its_own_shape() {
    let env = env(1).await;
    let info = env.client.menus().current().await.unwrap();
    assert_eq!((info.is_menu_open, info.selfmenu_info.is_none()), (0, true));
    with_default_menu(&env).await;
    let info = env.client.menus().current().await.unwrap();
    assert_eq!(info.is_menu_open, 1);
    let buttons = info.selfmenu_info.unwrap().button;
    let expected: wxoa_client::api::menu::SelfMenuInfo =
        serde_json::from_value(fixture("menu", "get_current_selfmenu_info.response.json")).unwrap();
    assert_eq!(buttons, expected.selfmenu_info.unwrap().button);
}

#[tokio::test]
async fn limits_the_platform_enforces_are_reported() {
    // Conditional-menu limits the sandbox does not enforce (the spec names no number): the
    // platform's answers are played.
    let env = env(1).await;
    with_default_menu(&env).await;
    let menu = || Menu::conditional(vec![Button::click("a", "K")], MatchRule::default().sex(2));
    for code in [65305, 65309, 45010] {
        env.fail_next(ADD_CONDITIONAL, code).await;
        assert_eq!(
            errcode(env.client.menus().add_conditional(menu()).await),
            code
        );
    }
}
