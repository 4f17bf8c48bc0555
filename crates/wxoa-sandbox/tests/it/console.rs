//! The web console's page and the control endpoints it reads: the menu a follower sees, QR
//! codes and their images, a follower's status, a follower's conversation, and the filters of
//! the push and calls logs.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::{PushMode, Sandbox, Webhook};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::Reply;

use crate::support::{Answer, Env, Hook, assert_ok, env, env_with, hook};

const TOKEN: &str = "consoletest";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const VISITOR: &str = "oVisitor00000000000000000001";

/// A webhook that answers every message with the text `got it`, and events with `success`.
async fn replying_hook() -> Hook {
    hook(|received, _| {
        let Ok(inbound) = Inbound::from_xml(received.body.as_bytes()) else {
            return Answer::Body("success".into());
        };
        if received.body.contains("<MsgType><![CDATA[event]]>") {
            return Answer::Body("success".into());
        }
        Answer::Body(Reply::text(&inbound, "got it").to_xml().unwrap())
    })
    .await
}

async fn env_with_hook(hook: &Hook) -> Env {
    env_with(
        Sandbox::builder()
            .followers(3)
            .webhook(Webhook::new(&hook.url, TOKEN))
            .push_timeout(Duration::from_secs(2)),
    )
    .await
}

async fn get_text(env: &Env, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = env.http.get(env.url(path)).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn the_page_and_its_files_are_served_and_never_logged_as_calls() {
    let env = env().await;
    let (status, headers, html) = get_text(&env, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(html.contains(r#"src="/console/console.js""#));
    assert!(html.contains(r#"href="/console/console.css""#));
    assert!(html.contains(r#"src="/console/analytics.js""#));
    assert!(html.contains(r#"href="/console/analytics.css""#));
    assert!(html.contains(r#"id="phone""#));

    let (status, headers, script) = get_text(&env, "/console/console.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert!(script.contains("/sandbox/conversation/"));
    let (status, headers, style) = get_text(&env, "/console/console.css").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(style.contains("--bubble-green"));
    let (status, headers, script) = get_text(&env, "/console/analytics.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert!(script.contains("/sandbox/datacube/"));
    let (status, headers, style) = get_text(&env, "/console/analytics.css").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(style.contains(".chart-svg"));
    let (status, _, _) = get_text(&env, "/console/secret.txt").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, calls) = env.control_get("/sandbox/calls").await;
    let paths: Vec<&str> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/cgi-bin/token"], "only the token of the test env");
}

#[tokio::test]
async fn the_menu_is_the_one_the_follower_sees() {
    let env = env().await;
    let follower = env.followers(2).await;
    let (status, body) = env
        .control_get(&format!("/sandbox/menu?openid={}", follower[0]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["menu"], Value::Null);

    let menu = json!({"button": [
        {"type": "click", "name": "Hello", "key": "HELLO"},
        {"name": "More", "sub_button": [{"type": "view", "name": "Site", "url": "https://example.com/"}]}
    ]});
    assert_ok(&env.post("/cgi-bin/menu/create", &menu).await);
    let (_, body) = env
        .control_get(&format!("/sandbox/menu?openid={}", follower[0]))
        .await;
    assert_eq!(body["menu"]["conditional"], false);
    assert_eq!(body["menu"]["button"], menu["button"]);

    // A conditional menu for a tag: its members see it, everyone else the default one.
    let tag = env
        .post("/cgi-bin/tags/create", &json!({"tag": {"name": "vip"}}))
        .await;
    let tag_id = tag["tag"]["id"].clone();
    let members = json!({"openid_list": [follower[1]], "tagid": tag_id});
    assert_ok(
        &env.post("/cgi-bin/tags/members/batchtagging", &members)
            .await,
    );
    let vip = json!({"button": [{"type": "click", "name": "VIP", "key": "VIP"}],
                     "matchrule": {"tag_id": tag_id.to_string()}});
    let added = env.post("/cgi-bin/menu/addconditional", &vip).await;
    assert!(added["menuid"].is_string(), "{added}");
    let (_, member) = env
        .control_get(&format!("/sandbox/menu?openid={}", follower[1]))
        .await;
    assert_eq!(member["menu"]["conditional"], true);
    assert_eq!(member["menu"]["button"][0]["key"], "VIP");
    let (_, other) = env
        .control_get(&format!("/sandbox/menu?openid={}", follower[0]))
        .await;
    assert_eq!(other["menu"]["button"][0]["key"], "HELLO");
}

#[tokio::test]
async fn qr_codes_are_listed_live_only_and_their_images_served_without_a_call() {
    let env = env().await;
    let temporary = env
        .post(
            "/cgi-bin/qrcode/create",
            &json!({"action_name": "QR_STR_SCENE", "expire_seconds": 60,
                    "action_info": {"scene": {"scene_str": "spring"}}}),
        )
        .await;
    env.advance(1).await;
    let permanent = env
        .post(
            "/cgi-bin/qrcode/create",
            &json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 7}}}),
        )
        .await;
    let (status, list) = env.control_get("/sandbox/qrcodes").await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["ticket"], permanent["ticket"], "newest first");
    assert_eq!(list[0]["scene"], "7");
    assert_eq!(list[0]["permanent"], true);
    assert_eq!(list[1]["ticket"], temporary["ticket"]);
    assert_eq!(list[1]["scene"], "spring");
    assert_eq!(list[1]["action_name"], "QR_STR_SCENE");
    assert!(list[1]["expires_at"].as_i64().unwrap() > list[1]["created_at"].as_i64().unwrap());
    let (_, one) = env.control_get("/sandbox/qrcodes?limit=1").await;
    assert_eq!(one.as_array().unwrap().len(), 1);

    let image = |ticket: &Value| {
        let url = reqwest::Url::parse_with_params(
            &env.url("/sandbox/qrcode"),
            &[("ticket", ticket.as_str().unwrap())],
        )
        .unwrap();
        env.http.get(url).send()
    };
    let response = image(&temporary["ticket"]).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(&response.bytes().await.unwrap()[..2], b"\xff\xd8");

    env.advance(60).await;
    let (_, list) = env.control_get("/sandbox/qrcodes").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the temporary code expired"
    );
    let response = image(&temporary["ticket"]).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = image(&json!("gQunknown")).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (_, shown) = env
        .control_get("/sandbox/calls?path=/cgi-bin/showqrcode")
        .await;
    assert_eq!(shown, json!([]));
}

#[tokio::test]
async fn a_followers_status_says_whether_they_follow() {
    let env = env().await;
    let follower = env.followers(1).await.remove(0);
    let (status, user) = env
        .control_get(&format!("/sandbox/followers/{follower}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["subscribe"], 1);
    assert_eq!(user["openid"], follower.as_str());
    assert_eq!(user["app_id"], wxoa_sandbox::DEFAULT_APP_ID);
    assert_eq!(user["blacklisted"], false);

    let (_, visitor) = env
        .control_get(&format!("/sandbox/followers/{VISITOR}"))
        .await;
    assert_eq!(visitor["subscribe"], 0);
    env.push(VISITOR, json!({"MsgType": "event", "Event": "subscribe"}))
        .await;
    let (_, visitor) = env
        .control_get(&format!("/sandbox/followers/{VISITOR}"))
        .await;
    assert_eq!(visitor["subscribe"], 1);
    assert_eq!(visitor["subscribe_scene"], "ADD_SCENE_OTHERS");

    let block = json!({"openid_list": [follower]});
    assert_ok(
        &env.post("/cgi-bin/tags/members/batchblacklist", &block)
            .await,
    );
    let (_, user) = env
        .control_get(&format!("/sandbox/followers/{follower}"))
        .await;
    assert_eq!(user["blacklisted"], true);
}

#[tokio::test]
async fn the_conversation_orders_what_was_sent_and_received() {
    let hook = replying_hook().await;
    let env = env_with_hook(&hook).await;
    let follower = env.followers(1).await.remove(0);
    env.push(&follower, json!({"MsgType": "text", "Content": "hello"}))
        .await;
    let custom = json!({"touser": follower, "msgtype": "text", "text": {"content": "an agent"}});
    assert_ok(&env.post("/cgi-bin/message/custom/send", &custom).await);
    env.push(
        &follower,
        json!({"MsgType": "event", "Event": "CLICK", "EventKey": "K"}),
    )
    .await;
    // An event nobody sees (a job result) stays out of the chat; an unfollow is in it.
    env.push(
        &follower,
        json!({"MsgType": "event", "Event": "TEMPLATESENDJOBFINISH", "Status": "success"}),
    )
    .await;
    env.push(
        &follower,
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    )
    .await;

    let (status, chat) = env
        .control_get(&format!("/sandbox/conversation/{follower}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let chat = chat.as_array().unwrap();
    let shape: Vec<(String, String)> = chat
        .iter()
        .map(|e| {
            let what = e["message"]["Content"]
                .as_str()
                .or(e["message"]["Event"].as_str())
                .or(e["message"]["text"]["content"].as_str())
                .unwrap()
                .to_owned();
            let side = e["side"].as_str().unwrap();
            let kind = e["kind"].as_str().unwrap_or("push");
            (format!("{side}/{kind}"), what)
        })
        .collect();
    let expected = [
        ("follower/push", "hello"),
        ("account/reply", "got it"),
        ("account/custom", "an agent"),
        ("follower/push", "CLICK"),
        ("follower/push", "unsubscribe"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(shape, expected);
    let seqs: Vec<u64> = chat.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(chat[0]["outcome"], "reply");
    assert_eq!(chat[0]["key"], format!("p{}", chat[0]["push"]));
    let keys: std::collections::HashSet<&str> =
        chat.iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), chat.len(), "keys are unique");

    let (_, last) = env
        .control_get(&format!("/sandbox/conversation/{follower}?limit=2"))
        .await;
    assert_eq!(last.as_array().unwrap()[..], chat[3..]);
}

#[tokio::test]
async fn a_push_shows_as_pending_while_the_webhook_thinks() {
    let hook = hook(|_, _| Answer::SleepThen(Duration::from_millis(700), "success".into())).await;
    let env = env_with_hook(&hook).await;
    let http = env.http.clone();
    let url = env.url("/sandbox/push");
    let pending = tokio::spawn(async move {
        http.post(url)
            .json(&json!({"from": VISITOR, "message": {"MsgType": "text", "Content": "hi"}}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    hook.wait_for(1).await;
    let (_, chat) = env
        .control_get(&format!("/sandbox/conversation/{VISITOR}"))
        .await;
    assert_eq!(chat[0]["outcome"], "pending");
    assert_eq!(chat[0]["message"]["Content"], "hi");
    let (_, log) = env.control_get("/sandbox/pushes").await;
    assert_eq!(log[0]["outcome"], "pending");
    let done = pending.await.unwrap();
    assert_eq!(done["outcome"], "no_reply");
    let (_, chat) = env
        .control_get(&format!("/sandbox/conversation/{VISITOR}"))
        .await;
    assert_eq!(chat[0]["outcome"], "no_reply");
    assert_eq!(chat[0]["push"], done["id"]);
}

#[tokio::test]
async fn the_conversation_adds_what_the_page_needs_to_draw_messages() {
    let env = env().await;
    let follower = env.followers(1).await.remove(0);
    env.push(&follower, json!({"MsgType": "text", "Content": "hi"}))
        .await;
    assert_ok(
        &env.post(
            "/cgi-bin/template/api_set_industry",
            &json!({"industry_id1": "1", "industry_id2": "2"}),
        )
        .await,
    );
    let added = env
        .post(
            "/cgi-bin/template/api_add_template",
            &json!({"template_id_short": "TM00015"}),
        )
        .await;
    let send = json!({"touser": follower, "template_id": added["template_id"],
                      "data": {"keyword1": {"value": "42"}}});
    let sent = env.post("/cgi-bin/message/template/send", &send).await;
    assert_eq!(sent["errcode"], 0, "{sent}");
    let thumb = env.permanent("thumb").await;
    let news = env
        .post(
            "/cgi-bin/material/add_news",
            &json!({"articles": [{"title": "An article", "thumb_media_id": thumb,
                                   "content": "<p>a long body</p>", "digest": "In short"}]}),
        )
        .await;
    let mpnews = json!({"touser": follower, "msgtype": "mpnews",
                        "mpnews": {"media_id": news["media_id"]}});
    assert_ok(&env.post("/cgi-bin/message/custom/send", &mpnews).await);

    let (_, chat) = env
        .control_get(&format!("/sandbox/conversation/{follower}"))
        .await;
    let received: Vec<&Value> = chat
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["side"] == "account")
        .collect();
    assert_eq!(received.len(), 2, "{chat}");
    let template = &received[0]["message"];
    assert_eq!(received[0]["kind"], "template");
    assert!(
        template["content"]
            .as_str()
            .unwrap()
            .contains("{{keyword1.DATA}}"),
        "{template}"
    );
    let article = &received[1]["message"]["mpnews"]["articles"][0];
    assert_eq!(article["title"], "An article");
    assert_eq!(article["thumb_media_id"], thumb.as_str());
    assert!(article.get("content").is_none(), "bodies are left out");
    // The inbox itself is unchanged.
    let inbox = env.inbox(&follower).await;
    assert!(inbox[0].message.get("content").is_none());
}

#[tokio::test]
async fn the_push_log_keeps_the_decrypted_reply_and_can_be_filtered() {
    let hook = hook(|received, _| {
        let crypt =
            wxoa_crypto::MsgCrypt::new(TOKEN, AES_KEY, wxoa_sandbox::DEFAULT_APP_ID).unwrap();
        let q = &received.query;
        let plain = crypt
            .decrypt_push(
                received.body.as_bytes(),
                &q["msg_signature"],
                &q["timestamp"],
                &q["nonce"],
            )
            .unwrap();
        let inbound = Inbound::from_xml(&plain).unwrap();
        let reply = Reply::text(&inbound, "sealed").to_xml().unwrap();
        Answer::Body(
            crypt
                .encrypt_reply_xml(&reply, &q["timestamp"], &q["nonce"])
                .unwrap(),
        )
    })
    .await;
    let env = env_with(
        Sandbox::builder().followers(2).webhook(
            Webhook::new(&hook.url, TOKEN)
                .aes_key(AES_KEY)
                .mode(PushMode::Safe),
        ),
    )
    .await;
    let followers = env.followers(2).await;
    for (i, follower) in followers.iter().chain(followers.iter()).enumerate() {
        env.push(
            follower,
            json!({"MsgType": "text", "Content": format!("m{i}")}),
        )
        .await;
    }
    let (_, all) = env.control_get("/sandbox/pushes").await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 4);
    let first = &all[0];
    assert!(first["raw"].as_str().unwrap().contains("<Encrypt>"));
    let reply_xml = first["reply_xml"].as_str().unwrap();
    assert!(reply_xml.contains("<Content><![CDATA[sealed]]></Content>"));
    assert_eq!(first["visible"], true);

    let (_, mine) = env
        .control_get(&format!("/sandbox/pushes?from={}", followers[1]))
        .await;
    let ids: Vec<u64> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            all[1]["id"].as_u64().unwrap(),
            all[3]["id"].as_u64().unwrap()
        ]
    );
    let after = all[1]["id"].as_u64().unwrap();
    let (_, later) = env
        .control_get(&format!("/sandbox/pushes?after={after}&limit=1"))
        .await;
    assert_eq!(later.as_array().unwrap()[..], all[3..]);
    let (_, other) = env
        .control_get("/sandbox/pushes?app_id=wx00000000000000ff")
        .await;
    assert_eq!(other, json!([]));
    let (status, _) = env.control_get("/sandbox/pushes?after=-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn calls_are_numbered_and_read_from_a_point() {
    let env = env().await;
    for _ in 0..3 {
        env.get("/cgi-bin/getcallbackip").await;
    }
    let (_, all) = env.control_get("/sandbox/calls").await;
    let all = all.as_array().unwrap();
    let seqs: Vec<u64> = all.iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    let (_, after) = env.control_get("/sandbox/calls?after=2").await;
    assert_eq!(after.as_array().unwrap()[..], all[2..]);
    let (_, newest) = env.control_get("/sandbox/calls?limit=1").await;
    assert_eq!(newest.as_array().unwrap()[..], all[3..]);
    // Numbers keep growing after the log is cleared.
    env.http
        .delete(env.url("/sandbox/calls"))
        .send()
        .await
        .unwrap();
    env.get("/cgi-bin/getcallbackip").await;
    let (_, fresh) = env.control_get("/sandbox/calls").await;
    assert_eq!(fresh[0]["seq"], 5);
    let (status, _) = env.control_get("/sandbox/calls?limit=many").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn console_endpoints_refuse_other_methods() {
    let env = env().await;
    let response = env
        .http
        .post(env.url("/sandbox/qrcodes"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "method not allowed");
    let (status, _) = env
        .control_get("/sandbox/menu?openid=o1&app_id=wx00000000000000ff")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
