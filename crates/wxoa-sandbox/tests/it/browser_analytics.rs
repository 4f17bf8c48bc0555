//! The console's analytics view in a real browser (headless Chromium, as `browser.rs`): after
//! three virtual days of follows, unfollows and messages, the view opens on the 7 days ending
//! yesterday and its charts carry, day by day, the figures the platform's endpoints answer
//! (`getusercumulate`, `getusersummary`, `getupstreammsg`) — as data on each day and as the
//! labels drawn on the points and bars. A 30-day range is read in several calls; a range
//! ending today shows the platform's 61501. The screenshot goes to
//! `target/console-analytics.png`.

use serde_json::{Value, json};
use wxoa_types::date::Date;

use crate::browser::step;
use crate::support::{Env, env_with_quiet_hook};
use crate::webdriver::{Driver, Session, Tools, target_dir};

const DAY: i64 = 86_400;

fn text() -> Value {
    json!({"MsgType": "text", "Content": "hi"})
}

async fn follow(env: &Env, openid: &str) {
    env.push(openid, json!({"MsgType": "event", "Event": "subscribe"}))
        .await;
}

async fn unfollow(env: &Env, openid: &str) {
    env.push(openid, json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
}

/// Five followers, then three days: two follow, one leaves and five messages; one follows and
/// two messages; two leave. The clock then stands on the fourth day. The first day.
async fn history(env: &mut Env) -> Date {
    env.advance_to_day_start().await;
    let people = env.followers(5).await;
    let first = Date::of_unix(env.sandbox.now());
    follow(env, "oFanOne").await;
    follow(env, "oFanTwo").await;
    unfollow(env, &people[4]).await;
    for _ in 0..4 {
        env.push(&people[0], text()).await;
    }
    env.push(
        &people[1],
        json!({"MsgType": "image", "PicUrl": "http://x/y.png", "MediaId": "m"}),
    )
    .await;
    env.advance(DAY).await;
    follow(env, "oFanThree").await;
    env.push(&people[0], text()).await;
    env.push(&people[0], text()).await;
    env.advance(DAY).await;
    unfollow(env, &people[3]).await;
    unfollow(env, &people[2]).await;
    env.advance(DAY).await;
    first
}

/// Per day of `list`'s rows, the totals of `fields`, in the order of `days`.
fn per_day(days: &[Date], list: &Value, fields: &[&str]) -> Vec<Vec<i64>> {
    days.iter()
        .map(|day| {
            fields
                .iter()
                .map(|field| {
                    list["list"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|r| r["ref_date"] == json!(day))
                        .map(|r| r[*field].as_i64().unwrap())
                        .sum()
                })
                .collect()
        })
        .collect()
}

/// What the charts show: per day, its date, the numbers it carries and the labels drawn.
const READ_CHARTS: &str = "
    const read = (chart, fields) => Array.from(
        document.querySelectorAll(`#${chart} g.day`),
        (g) => ({date: g.dataset.date,
                 values: fields.map((f) => Number(g.dataset[f])),
                 labels: Array.from(g.querySelectorAll('text'), (t) => t.textContent)}));
    return {followers: read('chart-followers', ['total', 'new', 'cancel']),
            messages: read('chart-messages', ['count', 'users']),
            status: document.getElementById('analytics-status').textContent};";

async fn wait_state(b: &Session, state: &str) {
    let script =
        format!("return document.getElementById('tab-analytics').dataset.state === '{state}';");
    step(
        b,
        &format!("the view {state}"),
        b.wait_script(state, &script).await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analytics_view_charts_the_platforms_figures_day_by_day() {
    let Some(tools) = Tools::find() else {
        return;
    };
    let (_hook, mut env) = env_with_quiet_hook(5).await;
    let first = history(&mut env).await;
    let today = Date::of_unix(env.sandbox.now());
    let yesterday = today.add_days(-1);
    let days: Vec<Date> = (0..7).map(|i| yesterday.add_days(i - 6)).collect();
    let (begin, end) = (days[0].to_string(), yesterday.to_string());
    let control = env.control();
    let read = |name: &'static str| control.datacube(name, &begin, &end);
    let cumulate = read("getusercumulate").await.unwrap();
    let summary = read("getusersummary").await.unwrap();
    let upstream = read("getupstreammsg").await.unwrap();
    let totals = per_day(&days, &cumulate, &["cumulate_user"]);
    let changes = per_day(&days, &summary, &["new_user", "cancel_user"]);
    let followers: Vec<Vec<i64>> = totals
        .iter()
        .zip(&changes)
        .map(|(t, c)| [t.as_slice(), c.as_slice()].concat())
        .collect();
    let messages = per_day(&days, &upstream, &["msg_count", "msg_user"]);
    // The endpoints tell what happened: the last three days are the history's.
    assert_eq!(days[4], first);
    assert_eq!(followers[3..], [[5, 0, 0], [6, 2, 1], [7, 1, 0], [5, 0, 2]]);
    assert_eq!(messages[4..], [[5, 2], [2, 1], [0, 0]]);

    let driver = Driver::start(&tools).await.unwrap();
    let browser = driver.session(&tools, 1440, 1000).await.unwrap();
    let b = &browser;
    step(b, "open the console", b.navigate(&env.url("/")).await).await;
    step(
        b,
        "the analytics tab",
        b.click("[data-tab='analytics']").await,
    )
    .await;
    wait_state(b, "ready").await;
    let shown = step(b, "the charts", b.execute(READ_CHARTS, Vec::new()).await).await;
    let dates: Vec<String> = days.iter().map(ToString::to_string).collect();
    let shown_dates = |chart: &str| -> Vec<String> {
        shown[chart]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["date"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(shown_dates("followers"), dates, "{shown}");
    assert_eq!(shown_dates("messages"), dates, "{shown}");
    let values = |chart: &str| -> Vec<Vec<i64>> {
        shown[chart]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                d["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect()
            })
            .collect()
    };
    assert_eq!(values("followers"), followers);
    assert_eq!(values("messages"), messages);
    // The labels drawn: the total on each point, follows and unfollows on their bars, the
    // count on each bar of messages.
    for (day, figures) in shown["followers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&followers)
    {
        let mut want = vec![figures[0].to_string()];
        if figures[1] > 0 {
            want.push(format!("+{}", figures[1]));
        }
        if figures[2] > 0 {
            want.push(format!("−{}", figures[2]));
        }
        assert_eq!(day["labels"], json!(want), "{day}");
    }
    for (day, figures) in shown["messages"].as_array().unwrap().iter().zip(&messages) {
        assert_eq!(day["labels"], json!([figures[0].to_string()]), "{day}");
    }
    assert!(
        shown["status"]
            .as_str()
            .unwrap()
            .contains(&format!("{begin} … {end}")),
        "{shown}"
    );
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console-analytics.png"))
            .await,
    )
    .await;

    // 30 days: five calls of at most 7 days each, one day each in the charts.
    step(b, "30 days", b.click("[data-last-days='30']").await).await;
    let thirty = step(
        b,
        "30 days drawn",
        b.wait_script(
            "30 days",
            "return document.querySelectorAll('#chart-followers g.day').length === 30 \
             && document.getElementById('tab-analytics').dataset.state === 'ready' \
             && document.querySelector('#chart-followers g.day').dataset.date;",
        )
        .await,
    )
    .await;
    assert_eq!(thirty, json!(yesterday.add_days(-29)));
    let shown = step(b, "the charts", b.execute(READ_CHARTS, Vec::new()).await).await;
    let last = shown["followers"].as_array().unwrap().last().unwrap();
    assert_eq!(last["values"], json!(followers[6]));
    let sent: i64 = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["values"][0].as_i64().unwrap())
        .sum();
    assert_eq!(sent, 7);

    // A range ending today: the platform refuses it, and the view says so.
    step(
        b,
        "a range ending today",
        b.execute(
            "document.getElementById('analytics-to').value = arguments[0];",
            vec![json!(today)],
        )
        .await,
    )
    .await;
    step(b, "Show", b.click("#analytics-show").await).await;
    wait_state(b, "error").await;
    let status = step(
        b,
        "the refusal",
        b.wait_text("#analytics-status", "61501").await,
    )
    .await;
    assert!(status.contains("today"), "{status}");
    let bars = step(
        b,
        "no chart",
        b.execute(
            "return document.querySelectorAll('#tab-analytics g.day').length;",
            Vec::new(),
        )
        .await,
    )
    .await;
    assert_eq!(bars, 0);

    browser.quit().await.unwrap();
    drop(driver);
}
