//! A sandbox left running is safe: the calls log is bounded by bytes, numbers from requests
//! never overflow, pushes never follow redirects, web pages cannot drive the control API
//! (Content-Type and Host checks), the state file is private and replaced whole, and secrets
//! are masked in the calls log.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::header;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::control::PushOutcome;
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox, Webhook};

use crate::support::{Answer, Env, assert_errcode, env, env_with, hook, request, sample};

/// Sends a request with exactly these `Host` and `Content-Type` headers; status and body text.
async fn raw(
    env: &Env,
    method: reqwest::Method,
    path: &str,
    host: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, String) {
    let mut request = env
        .http
        .request(method, env.url(path))
        .body(body.to_owned());
    if let Some(host) = host {
        request = request.header(header::HOST, host);
    }
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn usage(env: &Env) -> Value {
    env.control_get("/sandbox/calls/usage").await.1
}

#[tokio::test]
async fn a_24_mib_body_is_kept_as_a_capped_summary_not_parsed_whole() {
    let env = env().await;
    let follower = env.followers(1).await.remove(0);
    let content = "x".repeat(24 * 1024 * 1024 - 1024);
    let body =
        json!({"touser": follower, "msgtype": "text", "text": {"content": content}}).to_string();
    assert!(body.len() <= 24 * 1024 * 1024);
    let answer = env.post_text("/cgi-bin/message/custom/send", &body).await;
    assert!(answer["errcode"].as_i64().unwrap() != 0, "{answer}");
    let (_, calls) = env
        .control_get("/sandbox/calls?path=/cgi-bin/message/custom/send")
        .await;
    let logged = calls[0]["body"]
        .as_str()
        .expect("a summary string, not the parsed body");
    assert!(logged.starts_with(r#"{"msgtype":"text""#), "{logged}");
    assert!(
        logged.ends_with(&format!("(body of {} bytes, not kept)", body.len())),
        "{logged}"
    );
    assert!(logged.len() < 2048, "{}", logged.len());
    let usage = usage(&env).await;
    assert_eq!(usage["calls"], 2, "the token and the send: {usage}");
    assert!(usage["bytes"].as_u64().unwrap() < 8 * 1024, "{usage}");
}

#[tokio::test]
async fn exporting_every_follower_with_details_keeps_the_calls_log_within_its_budget() {
    const FOLLOWERS: usize = 100_000;
    const BUDGET: usize = 1024 * 1024;
    let env = env_with(
        Sandbox::builder()
            .followers(FOLLOWERS as u32)
            .seed(5)
            .calls_log_bytes(BUDGET),
    )
    .await;
    let mut openids: Vec<String> = Vec::with_capacity(FOLLOWERS);
    let mut pages = 0;
    let mut next = String::new();
    loop {
        let page = env
            .get(&format!("/cgi-bin/user/get?next_openid={next}"))
            .await;
        pages += 1;
        if page["count"] == 0 {
            break;
        }
        let ids = page["data"]["openid"].as_array().unwrap();
        openids.extend(ids.iter().map(|o| o.as_str().unwrap().to_owned()));
        next = page["next_openid"].as_str().unwrap().to_owned();
    }
    assert_eq!(openids.len(), FOLLOWERS);
    // The details, 100 per batchget, 16 calls at a time as an exporting client runs them.
    let url = env.api("/cgi-bin/user/info/batchget");
    let chunks: Vec<Vec<String>> = openids.chunks(100).map(<[String]>::to_vec).collect();
    let mut detailed = 0;
    for wave in chunks.chunks(16) {
        let mut calls = tokio::task::JoinSet::new();
        for chunk in wave {
            let list: Vec<Value> = chunk
                .iter()
                .map(|o| json!({"openid": o, "lang": "zh_CN"}))
                .collect();
            let request = env.http.post(&url).json(&json!({"user_list": list}));
            calls.spawn(async move { request.send().await.unwrap().json::<Value>().await });
        }
        while let Some(answer) = calls.join_next().await {
            let answer = answer.unwrap().unwrap();
            detailed += answer["user_info_list"].as_array().unwrap().len();
        }
    }
    assert_eq!(detailed, FOLLOWERS);
    let usage = usage(&env).await;
    let bytes = usage["bytes"].as_u64().unwrap();
    assert!(bytes <= BUDGET as u64, "{usage}");
    assert!(
        bytes > BUDGET as u64 / 2,
        "the log is used, not emptied: {usage}"
    );
    assert_eq!(usage["max_bytes"], BUDGET);
    let logged = usage["calls"].as_u64().unwrap() + usage["forgotten"].as_u64().unwrap();
    assert_eq!(logged, 1 + pages + chunks.len() as u64, "{usage}");
    assert!(usage["forgotten"].as_u64().unwrap() > 0, "{usage}");
    let (_, newest) = env
        .control_get("/sandbox/calls?path=/cgi-bin/user/info/batchget&limit=1")
        .await;
    assert_eq!(
        newest[0]["body"]["user_list"].as_array().unwrap().len(),
        100,
        "a batchget body is small enough to be kept whole"
    );
}

#[tokio::test]
async fn numbers_that_would_overflow_get_a_typed_refusal() {
    let mut env = env().await;
    // The clock: far past any date, negative, beyond i64 — refused, and the clock stays put.
    let before = env.control_get("/sandbox/clock").await.1["offset"].clone();
    for advance in [json!(i64::MAX), json!(-1), json!(u64::MAX), json!(1e300)] {
        let (status, body) = env
            .control_post("/sandbox/clock", &json!({"advance": advance}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{advance}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(env.control_get("/sandbox/clock").await.1["offset"], before);

    // A temporary QR code lives at most 30 days, however long it is asked to.
    let qr = env
        .post(
            "/cgi-bin/qrcode/create",
            &json!({"expire_seconds": i64::MAX, "action_name": "QR_SCENE",
                    "action_info": {"scene": {"scene_id": 1}}}),
        )
        .await;
    assert_eq!(qr["expire_seconds"], 2_592_000, "{qr}");

    // Card terms in days and card QR lifetimes are bounded.
    for (field, value) in [
        ("fixed_begin_term", json!(i64::MAX / 86_400 + 1)),
        ("fixed_term", json!(i64::MAX)),
    ] {
        let mut card = request("card", "create", &[]);
        let date = &mut card["card"]["groupon"]["base_info"]["date_info"];
        *date = json!({"type": "DATE_TYPE_FIX_TERM", "fixed_term": 15, "fixed_begin_term": 0});
        date[field] = value;
        assert_errcode(&env.post("/card/create", &card).await, 47003);
    }
    let card = env
        .post("/card/create", &request("card", "create", &[]))
        .await;
    let card_id = card["card_id"].as_str().unwrap();
    for expire in [json!(i64::MAX), json!(1_801), json!(59)] {
        let qr = env
            .post(
                "/card/qrcode/create",
                &json!({"action_name": "QR_CARD", "expire_seconds": expire,
                        "action_info": {"card": {"card_id": card_id}}}),
            )
            .await;
        assert_errcode(&qr, 47003);
        assert!(qr["errmsg"].as_str().unwrap().contains("expire_seconds"));
    }
    let stock = env
        .post(
            "/card/modifystock",
            &json!({"card_id": card_id, "increase_stock_value": i64::MAX}),
        )
        .await;
    assert_eq!(stock["errcode"], 0, "saturates: {stock}");

    // A message record range spanning all of time is refused as too long.
    let records = env
        .post(
            "/customservice/msgrecord/getmsglist",
            &json!({"starttime": i64::MIN + 1, "endtime": i64::MAX, "msgid": 1, "number": 10}),
        )
        .await;
    assert_errcode(&records, 65417);

    // The clock moved as far as it goes (but a few seconds, which pass while it moves) still
    // issues tokens and QR codes.
    let room = wxoa_max_time() - env.sandbox.now() - 5;
    env.advance(room).await;
    env.refresh_token().await;
    let qr = env
        .post(
            "/cgi-bin/qrcode/create",
            &json!({"expire_seconds": 60, "action_name": "QR_SCENE",
                    "action_info": {"scene": {"scene_id": 2}}}),
        )
        .await;
    assert!(qr["ticket"].is_string(), "{qr}");
    let (status, _) = env
        .control_post("/sandbox/clock", &json!({"advance": 86_400}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// 9999-12-31 23:59:59 UTC, the latest time the sandbox plays.
fn wxoa_max_time() -> i64 {
    253_402_300_799
}

#[tokio::test]
async fn a_webhook_answering_302_is_not_followed() {
    // Where the redirect points: it counts whatever reaches it, any method.
    let reached = Arc::new(AtomicUsize::new(0));
    let elsewhere = {
        let reached = Arc::clone(&reached);
        let app = axum::Router::new().fallback(move || {
            reached.fetch_add(1, Ordering::SeqCst);
            async { "success" }
        });
        serve(app).await
    };
    let redirecting = {
        let location = format!("{elsewhere}/internal");
        let app = axum::Router::new().fallback(move || {
            let location = location.clone();
            async move { (StatusCode::FOUND, [(header::LOCATION, location)]) }
        });
        serve(app).await
    };
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .push_deliveries(2)
            .webhook(Webhook::new(format!("{redirecting}/wechat"), "token")),
    )
    .await;
    let follower = env.followers(1).await.remove(0);
    let result = env
        .push(&follower, json!({"MsgType": "text", "Content": "hi"}))
        .await;
    assert_eq!(result.outcome, PushOutcome::Failed, "{result:?}");
    assert_eq!(result.attempts, 2);
    for attempt in &result.attempt_log {
        assert_eq!(attempt.status, Some(302), "{attempt:?}");
    }
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_control_api_takes_only_json_bodies() {
    let env = env().await;
    let advance = r#"{"advance": 3600}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let (status, body) = raw(
            &env,
            reqwest::Method::POST,
            "/sandbox/clock",
            None,
            content_type,
            advance,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}: {body}"
        );
        assert!(body.contains("application/json"), "{body}");
    }
    assert_eq!(env.control_get("/sandbox/clock").await.1["offset"], 0);
    let (status, _) = raw(
        &env,
        reqwest::Method::PUT,
        "/sandbox/webhook",
        None,
        Some("text/plain"),
        r#"{"url": "http://127.0.0.1:1/wechat", "token": "t"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(env.control_get("/sandbox/webhook").await.1, Value::Null);
    let (status, body) = raw(
        &env,
        reqwest::Method::POST,
        "/sandbox/clock",
        None,
        Some("application/json; charset=utf-8"),
        advance,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The platform's API is not the control API: its bodies are read whatever they claim.
    let answer = raw(
        &env,
        reqwest::Method::POST,
        &format!("/cgi-bin/tags/create?access_token={}", env.token),
        None,
        Some("text/plain"),
        r#"{"tag": {"name": "plain"}}"#,
    )
    .await;
    assert_eq!(answer.0, StatusCode::OK);
    assert!(answer.1.contains(r#""name":"plain""#), "{}", answer.1);
}

#[tokio::test]
async fn a_foreign_host_is_refused_by_the_control_api_and_the_console() {
    let env = env().await;
    let port = env.sandbox.local_addr().port();
    let rebound = format!("rebind.example:{port}");
    for path in [
        "/sandbox/followers",
        "/",
        "/console/console.js",
        "/sandbox/calls",
    ] {
        let (status, body) = raw(&env, reqwest::Method::GET, path, Some(&rebound), None, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let (status, _) = raw(
        &env,
        reqwest::Method::POST,
        "/sandbox/clock",
        Some(&rebound),
        Some("application/json"),
        r#"{"advance": 60}"#,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(env.control_get("/sandbox/clock").await.1["offset"], 0);
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("127.0.0.2:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = raw(
            &env,
            reqwest::Method::GET,
            "/sandbox/followers?limit=1",
            Some(&host),
            None,
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{host}: {body}");
    }
    // The platform's paths answer clients under any name.
    let (status, body) = raw(
        &env,
        reqwest::Method::GET,
        &format!(
            "/cgi-bin/token?grant_type=client_credential&appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}"
        ),
        Some("api.weixin.qq.com"),
        None,
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("access_token"), "{body}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_private_and_always_whole() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let env = env_with(Sandbox::builder().followers(3).state_file(&path)).await;
    // A few megabytes of state, so a write takes long enough to be caught half done.
    let (name, mut bytes) = sample("image");
    bytes.resize(3 * 1024 * 1024, 7);
    let uploaded = env
        .upload("/cgi-bin/media/upload?type=image", name, bytes, &[])
        .await;
    assert!(uploaded["media_id"].is_string(), "{uploaded}");
    let saved = |path: &std::path::Path| std::fs::metadata(path).ok().map(|m| m.ino());
    let deadline = Instant::now() + Duration::from_secs(5);
    while saved(&path).is_none() {
        assert!(
            Instant::now() < deadline,
            "the state file was never written"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Made world-readable behind the sandbox's back, as an older version left it.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    // A reader that keeps reading while the sandbox keeps writing: every read is a whole state.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let path = path.clone();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(Ordering::SeqCst) {
                let text = std::fs::read(&path).unwrap();
                let state: Value = serde_json::from_slice(&text)
                    .unwrap_or_else(|e| panic!("a read of {} bytes is not whole: {e}", text.len()));
                assert_eq!(state["version"], 2);
                reads += 1;
            }
            reads
        })
    };
    let mut inodes = vec![saved(&path).unwrap()];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 0;
    while inodes.len() < 4 {
        assert!(Instant::now() < deadline, "saves seen: {}", inodes.len());
        n += 1;
        env.post(
            "/cgi-bin/tags/create",
            &json!({"tag": {"name": format!("t{n}")}}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let inode = saved(&path).unwrap();
        if inodes.last() != Some(&inode) {
            inodes.push(inode);
        }
    }
    stop.store(true, Ordering::SeqCst);
    let reads = reader.join().unwrap();
    assert!(reads > 0);
    // Each save put a new file in place (temporary file renamed over the old one) …
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    env.sandbox.shutdown().await.unwrap();
    // … and left nothing behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["sandbox.json"]);
}

async fn get(env: &Env, path: String) -> Value {
    let response = env.http.get(env.url(&path)).send().await.unwrap();
    response.json().await.unwrap()
}

#[tokio::test]
async fn oauth_codes_tokens_and_tickets_are_masked_in_the_calls_log() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let (_, grant) = env
        .control_post(
            "/sandbox/oauth/code",
            &json!({"openid": openid, "scope": "snsapi_userinfo"}),
        )
        .await;
    let code = grant["code"].as_str().unwrap().to_owned();
    let token = get(&env, format!(
        "/sns/oauth2/access_token?appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}&code={code}&grant_type=authorization_code"
    ))
    .await;
    let access = token["access_token"].as_str().unwrap().to_owned();
    let refresh = token["refresh_token"].as_str().unwrap().to_owned();
    let refreshed = get(&env, format!(
        "/sns/oauth2/refresh_token?appid={DEFAULT_APP_ID}&grant_type=refresh_token&refresh_token={refresh}"
    ))
    .await;
    assert!(refreshed["access_token"].is_string(), "{refreshed}");
    get(
        &env,
        format!("/sns/userinfo?access_token={access}&openid={openid}"),
    )
    .await;
    let qr = env
        .post(
            "/cgi-bin/qrcode/create",
            &json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 9}}}),
        )
        .await;
    let ticket = qr["ticket"].as_str().unwrap().to_owned();
    let image = env
        .http
        .get(env.url("/cgi-bin/showqrcode"))
        .query(&[("ticket", &ticket)])
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), StatusCode::OK);

    let (_, calls) = env.control_get("/sandbox/calls").await;
    let text = calls.to_string();
    for secret in [
        code.as_str(),
        &access,
        &refresh,
        &ticket,
        &env.token,
        DEFAULT_APP_SECRET,
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let query_of = |path: &str| {
        calls
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == path)
            .unwrap_or_else(|| panic!("no call to {path}"))["query"]
            .clone()
    };
    assert_eq!(query_of("/sns/oauth2/access_token")["code"], "***");
    assert_eq!(
        query_of("/sns/oauth2/refresh_token")["refresh_token"],
        "***"
    );
    assert_eq!(query_of("/cgi-bin/showqrcode")["ticket"], "***");
    assert_eq!(query_of("/sns/userinfo")["openid"], openid.as_str());
}

#[tokio::test]
async fn pushes_go_round_robin_and_each_retry_to_the_next_url() {
    let a = hook(|_, _| Answer::Body("success".into())).await;
    let b = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .webhook(Webhook::new(&a.url, "token").with_url(&b.url)),
    )
    .await;
    let follower = env.followers(1).await.remove(0);
    for i in 0..4 {
        let result = env
            .push(
                &follower,
                json!({"MsgType": "text", "Content": format!("m{i}")}),
            )
            .await;
        assert_eq!(result.attempts, 1, "{result:?}");
    }
    let contents = |hook: &crate::support::Hook| -> Vec<String> {
        hook.received()
            .iter()
            .map(|r| {
                let xml = wxoa_types::xml::parse(r.body.as_bytes()).unwrap();
                xml.child_text("Content").unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(contents(&a), ["m0", "m2"]);
    assert_eq!(contents(&b), ["m1", "m3"]);
    let (_, shown) = env.control_get("/sandbox/webhook").await;
    assert_eq!(shown["urls"], json!([a.url, b.url]));
}

#[tokio::test]
async fn a_retry_goes_to_the_next_url() {
    // The first instance is down (500); the load balancer's retry reaches the second one.
    let down = hook(|_, _| Answer::Status(500)).await;
    let up = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .webhook(Webhook::new(&down.url, "token").with_url(&up.url)),
    )
    .await;
    let follower = env.followers(1).await.remove(0);
    let result = env
        .push(&follower, json!({"MsgType": "text", "Content": "hi"}))
        .await;
    assert_eq!(result.outcome, PushOutcome::NoReply, "{result:?}");
    assert_eq!(result.attempts, 2);
    let log = &result.attempt_log;
    assert_eq!(log[0].status, Some(500));
    assert_eq!(log[0].url, down.url);
    assert_eq!(log[1].status, Some(200));
    assert_eq!(log[1].url, up.url);
    let (first, retry) = (down.received(), up.received());
    assert_eq!((first.len(), retry.len()), (1, 1));
    assert_eq!(
        first[0].raw_query, retry[0].raw_query,
        "the very same request"
    );
    assert_eq!(first[0].body, retry[0].body);
    // The next push starts at the next URL.
    env.push(&follower, json!({"MsgType": "text", "Content": "again"}))
        .await;
    assert_eq!((down.received().len(), up.received().len()), (1, 2));
}

#[tokio::test]
async fn the_webhook_urls_can_be_set_while_running() {
    let a = hook(|_, _| Answer::Body("success".into())).await;
    let b = hook(|_, _| Answer::Body("success".into())).await;
    let env = env().await;
    let response = env
        .http
        .put(env.url("/sandbox/webhook"))
        .json(&json!({"urls": [a.url, b.url], "token": "token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let follower = env.followers(1).await.remove(0);
    for _ in 0..2 {
        env.push(&follower, json!({"MsgType": "text", "Content": "hi"}))
            .await;
    }
    assert_eq!((a.received().len(), b.received().len()), (1, 1));
    let none = env
        .http
        .put(env.url("/sandbox/webhook"))
        .json(&json!({"token": "token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::BAD_REQUEST);
}
