//! The third-party platform's authorization page in a real browser (headless Chromium, as
//! `browser.rs`): the admin opens `componentloginpage`, picks an account, unticks all but two
//! permission sets and consents; the browser lands on the `redirect_uri` with `auth_code` and
//! `expires_in`, the platform pushed `authorized` with that code, and exchanging it grants the
//! two sets. Screenshot: `target/console-component.png`. And the console's platform view:
//! its button runs the 全网发布 release test and the report shows each case with its reason
//! (screenshot: `target/console-release-test.png`).

use serde_json::json;

use crate::browser::step;
use crate::component::{COMPONENT, Platform};
use crate::webdriver::{Driver, Tools, target_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_consents_on_the_authorization_page() {
    let Some(tools) = Tools::find() else {
        return;
    };
    let platform = Platform::start().await;
    let app_id = platform.authorizer(1).await;
    let code = platform.pre_auth_code().await;
    let back = format!("{}/back", platform.receiver.base);
    let page = url::Url::parse_with_params(
        &platform.url("/cgi-bin/componentloginpage"),
        [
            ("component_appid", COMPONENT),
            ("pre_auth_code", code.as_str()),
            ("redirect_uri", back.as_str()),
            ("auth_type", "3"),
        ],
    )
    .unwrap();

    let driver = Driver::start(&tools).await.unwrap();
    let browser = driver.session(&tools, 1000, 800).await.unwrap();
    let b = &browser;
    step(b, "open the page", b.navigate(page.as_str()).await).await;
    let radio = format!("li.account[data-appid='{app_id}'] input");
    step(b, "pick the account", b.click(&radio).await).await;
    let untick = "document.querySelectorAll('input.func').forEach(i => \
                  { i.checked = ['1', '15'].includes(i.value); }); return true;";
    step(
        b,
        "the permission sets",
        b.execute(untick, Vec::new()).await,
    )
    .await;
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console-component.png"))
            .await,
    )
    .await;
    step(b, "consent", b.click("#consent").await).await;
    let landed = step(
        b,
        "the redirect",
        b.wait_script(
            "the redirect",
            "return location.pathname === '/back' ? location.href : null;",
        )
        .await,
    )
    .await;
    let landed = url::Url::parse(landed.as_str().unwrap()).unwrap();
    assert!(landed.as_str().starts_with(&back), "{landed}");
    let query: std::collections::HashMap<_, _> = landed.query_pairs().into_owned().collect();
    assert_eq!(query["expires_in"], "3600");
    let auth_code = query["auth_code"].clone();

    let pushed = platform.receiver.on("/auth");
    let push = pushed
        .iter()
        .find(|p| p.field("InfoType") == "authorized")
        .expect("authorized was pushed");
    assert_eq!(push.field("AuthorizationCode"), auth_code);
    assert_eq!(push.field("AuthorizerAppid"), app_id);
    assert_eq!(push.field("PreAuthCode"), code);

    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorization_code": auth_code});
    let answer = platform
        .call("/cgi-bin/component/api_query_auth", &token, &body)
        .await;
    let ids: Vec<i64> = answer["authorization_info"]["func_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["funcscope_category"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![1, 15]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_runs_the_release_test_and_shows_its_report() {
    let Some(tools) = Tools::find() else {
        return;
    };
    // The receiver answers `success` to everything: the message cases fail, the others pass.
    let platform = Platform::start().await;
    let driver = Driver::start(&tools).await.unwrap();
    let browser = driver.session(&tools, 1200, 900).await.unwrap();
    let b = &browser;
    step(b, "open the console", b.navigate(&platform.url("/")).await).await;
    step(
        b,
        "the platform tab",
        b.click("[data-tab='component']").await,
    )
    .await;
    step(
        b,
        "the component's summary",
        b.wait_text("#component-summary", COMPONENT).await,
    )
    .await;
    step(b, "run the release test", b.click("#release-test").await).await;
    step(
        b,
        "the verdict",
        b.wait_text("#release-status", "Failed with").await,
    )
    .await;
    let passive = step(
        b,
        "the passive text case",
        b.wait_text(".release-case[data-case='passive_text']", "answered empty")
            .await,
    )
    .await;
    assert!(passive.contains("✗ passive_text"), "{passive}");
    let ticket = step(
        b,
        "the ticket case",
        b.wait_text(".release-case[data-case='ticket']", "success")
            .await,
    )
    .await;
    assert!(ticket.contains("✓ ticket"), "{ticket}");
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console-release-test.png"))
            .await,
    )
    .await;
}
