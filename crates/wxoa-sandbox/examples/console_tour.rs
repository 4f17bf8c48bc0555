//! Opens the web console on a sandbox wired to the demo bot, with a little of everything in
//! the first follower's chat: text, a news card, a picture, music, a customer-service news
//! message, a template message, a subscription notification, a mass message and the notice of
//! a webhook that is down.
//!
//! `cargo run -p wxoa-sandbox --example console_tour [ADDR]` (default `127.0.0.1:8780`), then
//! open the printed URL. Runs until interrupted.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, PushMode, Sandbox, Webhook};

const TOKEN: &str = "console-tour";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

#[tokio::main]
async fn main() {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8780".to_owned())
        .parse()
        .expect("an address such as 127.0.0.1:8780");
    let bot = wxoa_webhook::Account::new(DEFAULT_APP_ID, TOKEN, wxoa_webhook::bots::demo())
        .aes_key(AES_KEY)
        .expect("a valid key");
    let app = wxoa_webhook::Webhook::builder()
        .account(bot)
        .build()
        .expect("the demo bot serves")
        .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let hook_url = format!(
        "http://{}/wechat",
        listener.local_addr().expect("an address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let webhook = Webhook::new(hook_url, TOKEN)
        .aes_key(AES_KEY)
        .mode(PushMode::Safe);
    let sandbox = Sandbox::builder()
        .followers(5)
        .seed(7)
        .webhook(webhook.clone())
        .push_timeout(Duration::from_secs(2))
        .listen(addr)
        .start()
        .await
        .expect("the sandbox starts");
    let tour = Tour::new(&sandbox).await;

    tour.api(
        "/cgi-bin/menu/create",
        serde_json::from_str(wxoa_webhook::bots::DEMO_MENU).expect("the demo menu"),
    )
    .await;
    let scene = json!({"action_name": "QR_STR_SCENE", "expire_seconds": 86_400,
                       "action_info": {"scene": {"scene_str": "spring-promo"}}});
    tour.api("/cgi-bin/qrcode/create", scene).await;
    let permanent =
        json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 42}}});
    tour.api("/cgi-bin/qrcode/create", permanent).await;

    let follower = tour.first_follower().await;
    tour.control("/sandbox/push", json!({"from": follower, "message": {"MsgType": "text", "Content": "Hello! Is this https://github.com/wxoa/wxoa?"}})).await;
    tour.control(
        "/sandbox/click",
        json!({"from": follower, "button": [0, 1]}),
    )
    .await;
    tour.control(
        "/sandbox/push",
        json!({"from": follower, "message": {"MsgType": "image"}}),
    )
    .await;
    tour.control(
        "/sandbox/click",
        json!({"from": follower, "button": [0, 2]}),
    )
    .await;

    let articles = json!({"touser": follower, "msgtype": "news", "news": {"articles": [
        {"title": "Your order has shipped", "description": "Track it in the app.",
         "url": "https://example.com/orders/42", "picurl": "https://example.com/cover.png"}]}});
    tour.api("/cgi-bin/message/custom/send", articles).await;
    tour.api(
        "/cgi-bin/template/api_set_industry",
        json!({"industry_id1": "1", "industry_id2": "2"}),
    )
    .await;
    let added = tour
        .api("/cgi-bin/template/api_add_template", json!({"template_id_short": "TM00015", "keyword_name_list": ["Order", "Amount", "Status"]}))
        .await;
    let template = json!({"touser": follower, "template_id": added["template_id"],
        "url": "https://example.com/orders/42",
        "data": {"thing1": {"value": "#20240611-0042"}, "thing2": {"value": "¥ 128.00", "color": "#07c160"},
                 "thing3": {"value": "Shipped"}}});
    tour.api("/cgi-bin/message/template/send", template).await;
    // A subscription notification: a template from the library, the follower's consent on
    // the sheet the phone shows, then the send.
    let subscription = tour
        .api(
            "/wxaapi/newtmpl/addtemplate",
            json!({"tid": "2010", "kidList": [1, 2, 3], "sceneDesc": "预约提醒"}),
        )
        .await;
    let consent = json!({"from": follower, "message": {"MsgType": "event",
        "Event": "subscribe_msg_popup_event", "SubscribeMsgPopupEvent": {"List": [
            {"TemplateId": subscription["priTmplId"], "SubscribeStatusString": "accept", "PopupScene": 1}]}}});
    tour.control("/sandbox/push", consent).await;
    let notification = json!({"touser": follower, "template_id": subscription["priTmplId"],
        "page": "https://example.com/bookings/42",
        "data": {"thing1": {"value": "天河店"}, "time2": {"value": "2024年6月11日 18:30"},
                 "number3": {"value": "4"}}});
    tour.api("/cgi-bin/message/subscribe/bizsend", notification)
        .await;
    let mass = json!({"filter": {"is_to_all": true}, "msgtype": "text",
                      "text": {"content": "Spring sale: everything 20% off this week."}});
    tour.api("/cgi-bin/message/mass/sendall", mass).await;

    // The webhook goes down for one message: the follower sees the platform's notice.
    sandbox
        .set_webhook(Some(Webhook::new("http://127.0.0.1:9/", TOKEN)))
        .expect("a valid webhook");
    tour.control(
        "/sandbox/push",
        json!({"from": follower, "message": {"MsgType": "text", "Content": "Anyone there?"}}),
    )
    .await;
    sandbox.set_webhook(Some(webhook)).expect("a valid webhook");

    println!("The console: {}/", sandbox.base_url());
    std::future::pending::<()>().await;
}

/// A client of the sandbox with a token of the default account.
struct Tour {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Tour {
    async fn new(sandbox: &Sandbox) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        let base = sandbox.base_url().to_owned();
        let url = format!(
            "{base}/cgi-bin/token?grant_type=client_credential&appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}"
        );
        let body: Value = http
            .get(url)
            .send()
            .await
            .expect("a token")
            .json()
            .await
            .expect("JSON");
        let token = body["access_token"].as_str().expect("a token").to_owned();
        Self { base, http, token }
    }

    /// A platform API call; panics unless it succeeds.
    async fn api(&self, path: &str, body: Value) -> Value {
        let answer = self
            .post(
                format!("{}{path}?access_token={}", self.base, self.token),
                body,
            )
            .await;
        assert!(
            answer["errcode"].as_i64().unwrap_or(0) == 0,
            "{path}: {answer}"
        );
        answer
    }

    /// A control API call.
    async fn control(&self, path: &str, body: Value) -> Value {
        self.post(format!("{}{path}", self.base), body).await
    }

    async fn post(&self, url: String, body: Value) -> Value {
        self.http
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON")
    }

    async fn first_follower(&self) -> String {
        let list: Value = self
            .http
            .get(format!("{}/sandbox/followers?limit=1", self.base))
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON");
        list["openids"][0].as_str().expect("a follower").to_owned()
    }
}
