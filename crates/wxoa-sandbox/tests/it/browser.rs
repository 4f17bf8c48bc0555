//! The web console in a real browser (headless Chromium through ChromeDriver), talking to the
//! demo bot of wxoa-webhook in safe mode: the page loads with the menu made by `menu/create`,
//! a text gets the bot's reply bubble, a sample picture comes back, a menu button sends its event and shows the news card
//! it brings back, and a visitor follows by scanning a QR code made by `qrcode/create`.
//! Screenshots go to `target/console.png` and `target/console-qr.png`.

use std::time::Duration;

use serde_json::json;
use wxoa_sandbox::control::PushResult;
use wxoa_sandbox::{DEFAULT_APP_ID, PushMode, Sandbox, Webhook};
use wxoa_webhook::bots::{DEMO_MENU, demo};

use crate::support::{Env, assert_ok, env_with};
use crate::webdriver::{Driver, ENTER, Session, Tools, target_dir};

const TOKEN: &str = "browsertest";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// A sandbox of 3 followers pushing to the demo bot in safe mode.
pub(crate) async fn demo_env() -> Env {
    let hook = demo_bot().await;
    env_with(
        Sandbox::builder()
            .followers(3)
            .seed(5)
            .webhook(
                Webhook::new(hook, TOKEN)
                    .aes_key(AES_KEY)
                    .mode(PushMode::Safe),
            )
            .push_timeout(Duration::from_secs(3)),
    )
    .await
}

/// The demo bot on a loopback port; the URL pushes go to.
async fn demo_bot() -> String {
    let account = wxoa_webhook::Account::new(DEFAULT_APP_ID, TOKEN, demo())
        .aes_key(AES_KEY)
        .unwrap();
    let app = wxoa_webhook::Webhook::builder()
        .account(account)
        .build()
        .unwrap()
        .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wechat", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Opens the console and waits for its follower, who follows the account; their OpenID.
pub(crate) async fn open_console(b: &Session, env: &Env) -> String {
    step(b, "open the console", b.navigate(&env.url("/")).await).await;
    step(
        b,
        "the follower",
        b.wait_text("#follower-status", "Following").await,
    )
    .await;
    let openid = b
        .execute(
            "return document.getElementById('follower-select').value;",
            Vec::new(),
        )
        .await
        .unwrap();
    openid.as_str().unwrap().to_owned()
}

/// Unwraps a step of the test; on failure, keeps a screenshot of the page for the record.
pub(crate) async fn step<T>(browser: &Session, what: &str, result: Result<T, String>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => {
            let path = target_dir().join("console-failure.png");
            let saved = browser.save_screenshot(&path).await;
            panic!("{what}: {e} (screenshot: {path:?} {saved:?})");
        }
    }
}

/// The pushes the sandbox made, as its log shows them.
async fn pushes(env: &Env) -> Vec<PushResult> {
    env.control().pushes(None).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_plays_a_followers_phone_in_a_real_browser() {
    let Some(tools) = Tools::find() else {
        return;
    };
    let env = demo_env().await;
    assert_ok(&env.post_text("/cgi-bin/menu/create", DEMO_MENU).await);
    let qr = env
        .post(
            "/cgi-bin/qrcode/create",
            &json!({"action_name": "QR_STR_SCENE", "expire_seconds": 3600,
                    "action_info": {"scene": {"scene_str": "spring-promo"}}}),
        )
        .await;
    let ticket = qr["ticket"].as_str().unwrap().to_owned();

    let driver = Driver::start(&tools).await.unwrap();
    let browser = driver.session(&tools, 1440, 1000).await.unwrap();

    // The page loads, with the account's menu at the bottom and the first follower chosen.
    let b = &browser;
    step(b, "open the console", b.navigate(&env.url("/")).await).await;
    step(b, "the menu", b.wait_text(".menu-button", "Replies").await).await;
    step(b, "the menu", b.wait_text(".menu-button", "Help").await).await;
    step(
        b,
        "the follower",
        b.wait_text("#follower-status", "Following").await,
    )
    .await;

    // A text, and the bot's reply bubble on the account's side.
    step(b, "the keyboard", b.click("#to-keyboard").await).await;
    step(
        b,
        "typing",
        b.type_into("#text-input", &format!("hello sandbox{ENTER}"))
            .await,
    )
    .await;
    step(
        b,
        "the follower's bubble",
        b.wait_text(".row.follower .bubble", "hello sandbox").await,
    )
    .await;
    step(
        b,
        "the bot's reply",
        b.wait_text(".row.account .bubble", "You said: hello sandbox")
            .await,
    )
    .await;

    // A sample picture: the bot sends it back, and the page shows it from the sandbox's media.
    step(b, "the samples", b.click("#plus").await).await;
    step(b, "a picture", b.click("[data-sample='image']").await).await;
    let width = step(
        b,
        "the bot's picture",
        b.wait_script(
            "the picture of the reply to load",
            "const img = document.querySelector('.row.account img.image');
             return img && img.complete ? img.naturalWidth : 0;",
        )
        .await,
    )
    .await;
    assert!(width.as_u64().unwrap() > 100, "{width}");

    // A menu button: Replies → News sends CLICK DEMO_NEWS; the panel shows the event and the
    // chat the news card of the reply.
    step(b, "the menu again", b.click("#to-menu").await).await;
    step(b, "Replies", b.click(".menu-button[data-path='0']").await).await;
    let news = step(
        b,
        "the sub-menu",
        b.wait_text(".submenu-item[data-path='0,1']", "News").await,
    )
    .await;
    assert_eq!(news, "News");
    step(b, "News", b.click(".submenu-item[data-path='0,1']").await).await;
    let push = step(
        b,
        "the event in the panel",
        b.wait_text("#pushes .entry", "DEMO_NEWS").await,
    )
    .await;
    assert!(push.contains("event CLICK"), "{push}");
    assert!(push.contains("reply: news"), "{push}");
    let card = step(
        b,
        "the news card",
        b.wait_text(".row.account .news-card", "wxoa: the toolkit")
            .await,
    )
    .await;
    assert!(card.contains("The sandbox"), "{card}");
    step(
        b,
        "the tap in the chat",
        b.wait_text("#messages .system", "You tapped “News” (DEMO_NEWS)")
            .await,
    )
    .await;
    let clicked = pushes(&env).await;
    let last = clicked.last().unwrap();
    assert!(
        last.xml
            .contains("<EventKey><![CDATA[DEMO_NEWS]]></EventKey>")
    );
    assert_eq!(last.reply_text("MsgType"), Some("news"));
    assert_eq!(last.reply_text("ArticleCount"), Some("3"));
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console.png")).await,
    )
    .await;

    // A visitor scans the QR code: subscribe with qrscene_, and the bot's welcome names the
    // scene.
    step(b, "a new visitor", b.click("#new-visitor").await).await;
    step(
        b,
        "the visitor",
        b.wait_text("#follower-status", "Not following").await,
    )
    .await;
    step(b, "the QR codes", b.click("[data-tab='qrcodes']").await).await;
    step(
        b,
        "the scan",
        b.click(&format!(".qr-scan[data-ticket='{ticket}']")).await,
    )
    .await;
    step(
        b,
        "the welcome",
        b.wait_text(
            ".row.account .bubble",
            "Welcome! You followed by scanning the code for scene spring-promo.",
        )
        .await,
    )
    .await;
    step(
        b,
        "now following",
        b.wait_text("#follower-status", "Following").await,
    )
    .await;
    step(b, "the pushes", b.click("[data-tab='pushes']").await).await;
    let subscribe = step(
        b,
        "the subscribe push",
        b.wait_text("#pushes .entry", "qrscene_spring-promo").await,
    )
    .await;
    assert!(subscribe.contains("event subscribe"), "{subscribe}");
    let visitor = b
        .execute(
            "return document.getElementById('follower-select').value;",
            Vec::new(),
        )
        .await
        .unwrap();
    let visitor = visitor.as_str().unwrap();
    let scanned = pushes(&env).await;
    let last = scanned.last().unwrap();
    assert_eq!(last.from, visitor);
    assert!(
        last.xml
            .contains("<EventKey><![CDATA[qrscene_spring-promo]]></EventKey>")
    );
    let (_, user) = env
        .control_get(&format!("/sandbox/followers/{visitor}"))
        .await;
    assert_eq!(user["subscribe"], 1);
    assert_eq!(user["qr_scene_str"], "spring-promo");
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console-qr.png"))
            .await,
    )
    .await;

    browser.quit().await.unwrap();
    drop(driver);
}
