//! `wxoa sandbox`'s flags for the rules the sources disagree on: `--unverified` (48001),
//! `--no-new-kf` (65400),
//! `--old-articles-offline` (47009), `--analytics-spans`, `--analytics-range-errcode`,
//! `--analytics-ready-hour`, and the subscription flags (`--subscribe-max-templates`,
//! `--subscribe-add-banned-tids`, `--subscribe-account-banned`), each
//! seen in what the running sandbox answers; a ready hour beyond 23 is a usage error.

use std::process::Command;

use serde_json::{Value, json};
use wxoa_types::date::Date;

use crate::sandbox::{Running, get, post};

/// A token of the default account of the sandbox at `base`.
async fn token(base: &str) -> String {
    let answer = get(&format!(
        "{base}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
        wxoa_sandbox::DEFAULT_APP_ID,
        wxoa_sandbox::DEFAULT_APP_SECRET
    ))
    .await;
    answer["access_token"].as_str().unwrap().to_owned()
}

async fn call(base: &str, token: &str, path: &str, body: &Value) -> Value {
    post(&format!("{base}{path}?access_token={token}"), body).await
}

/// Yesterday and today in Beijing on the sandbox's clock (it starts on the real one).
fn days() -> (Date, Date) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let today = Date::of_unix(i64::try_from(now).unwrap());
    (today.add_days(-1), today)
}

fn range(begin: Date, end: Date) -> Value {
    json!({"begin_date": begin, "end_date": end})
}

#[tokio::test]
async fn unverified_makes_every_analytics_call_48001() {
    let running = Running::start(&["--unverified"]);
    let token = token(&running.base).await;
    let (yesterday, _) = days();
    let answer = call(
        &running.base,
        &token,
        "/datacube/getusersummary",
        &range(yesterday, yesterday),
    )
    .await;
    assert_eq!(answer["errcode"], 48001, "{answer}");
}

#[tokio::test]
async fn no_new_kf_makes_every_session_call_65400() {
    let running = Running::start(&["--no-new-kf"]);
    let token = token(&running.base).await;
    let waiting = get(&format!(
        "{}/customservice/kfsession/getwaitcase?access_token={token}",
        running.base
    ))
    .await;
    assert_eq!(waiting["errcode"], 65400, "{waiting}");
}

#[tokio::test]
async fn the_analytics_flags_set_the_rules() {
    let running = Running::start(&[
        "--old-articles-offline",
        "--analytics-spans",
        "getarticleread=30",
        "--analytics-range-errcode",
        "47003",
    ]);
    let token = token(&running.base).await;
    let (yesterday, today) = days();
    let datacube = |name: &str, body: Value| {
        let (base, token) = (running.base.clone(), token.clone());
        let path = format!("/datacube/{name}");
        async move { call(&base, &token, &path, &body).await }
    };
    let offline = datacube("getuserread", range(yesterday, yesterday)).await;
    assert_eq!(offline["errcode"], 47009, "{offline}");
    let month = datacube("getarticleread", range(yesterday.add_days(-29), yesterday)).await;
    assert!(month["list"].is_array(), "{month}");
    let ending_today = datacube("getusersummary", range(today, today)).await;
    assert_eq!(ending_today["errcode"], 47003, "{ending_today}");
}

#[tokio::test]
async fn the_subscription_flags_set_the_rules() {
    let running = Running::start(&["--subscribe-max-templates", "1"]);
    let token = token(&running.base).await;
    let template = json!({"tid": "99", "kidList": [3, 5, 4], "sceneDesc": "订单支付成功"});
    let path = "/wxaapi/newtmpl/addtemplate";
    let first = call(&running.base, &token, path, &template).await;
    assert_eq!(first["errcode"], 0, "{first}");
    let second = call(&running.base, &token, path, &template).await;
    assert_eq!(second["errcode"], 200012, "{second}");
}

#[tokio::test]
async fn the_subscription_ban_flags_set_the_rules() {
    let template = json!({"tid": "99", "kidList": [3, 5, 4]});
    let path = "/wxaapi/newtmpl/addtemplate";
    let titles = Running::start(&["--subscribe-add-banned-tids", "99,2010"]);
    let titles_token = token(&titles.base).await;
    let banned = call(&titles.base, &titles_token, path, &template).await;
    assert_eq!(banned["errcode"], 200013, "{banned}");
    let account = Running::start(&["--subscribe-account-banned"]);
    let account_token = token(&account.base).await;
    let refused = call(&account.base, &account_token, path, &template).await;
    assert_eq!(refused["errcode"], 200011, "{refused}");
}

#[test]
fn a_ready_hour_beyond_23_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_wxoa"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--analytics-ready-hour",
            "24",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("--analytics-ready-hour"), "{err}");
}
