//! `wxoa stats users` against the sandbox after a few virtual days of follows, unfollows and
//! messages: the CSV and JSON-lines rows equal what the sandbox's analytics endpoints answer,
//! `--chart` writes the SVG, and a range ending today is the platform's refusal (exit 1).

use serde_json::{Value, json};
use wxoa_types::date::Date;

use crate::sandbox_env::Env;
use crate::stdout;

const DAY: i64 = 86_400;

/// Four followers; on the first day two newcomers follow, one follower leaves and another sends
/// three texts; on the second day one more leaves. The clock then stands on the third day. The
/// first day.
fn history(env: &Env) -> Date {
    let people = env.followers(4);
    let first = Date::of_unix(env.sandbox.now());
    for who in ["oNewcomerOne", "oNewcomerTwo"] {
        env.push(who, json!({"MsgType": "event", "Event": "subscribe"}));
    }
    env.push(
        &people[3],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    );
    for _ in 0..3 {
        env.message_from(&people[0]);
    }
    env.advance(DAY);
    env.push(
        &people[2],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    );
    env.advance(DAY);
    first
}

/// The rows `wxoa stats users` must print, from the sandbox's own `getusersummary` (summed
/// over the follow sources) and `getusercumulate`.
fn expected(env: &Env, from: Date, to: Date) -> Vec<Value> {
    let (b, e) = (from.to_string(), to.to_string());
    let summary = env.datacube("getusersummary", &b, &e);
    let cumulate = env.datacube("getusercumulate", &b, &e);
    let rows = cumulate["list"].as_array().unwrap();
    assert!(!rows.is_empty(), "{cumulate}");
    rows.iter()
        .map(|row| {
            let day = &row["ref_date"];
            let sum = |field: &str| -> i64 {
                summary["list"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["ref_date"] == *day)
                    .map(|r| r[field].as_i64().unwrap())
                    .sum()
            };
            let (new, cancel) = (sum("new_user"), sum("cancel_user"));
            json!({"ref_date": day, "new_user": new, "cancel_user": cancel,
                   "net_user": new - cancel, "cumulate_user": row["cumulate_user"]})
        })
        .collect()
}

#[test]
fn users_as_csv_and_json_lines_equal_the_platforms_figures() {
    let env = Env::new(4);
    let first = history(&env);
    let (from, to) = (first.add_days(-1), first.add_days(1));
    let range = ["--from", &from.to_string(), "--to", &to.to_string()].map(str::to_owned);
    let args = |format: &str| -> Vec<String> {
        let mut args = vec!["stats".to_owned(), "users".to_owned()];
        args.extend(range.iter().cloned());
        args.extend(["--format".to_owned(), format.to_owned()]);
        args
    };
    let expected = expected(&env, from, to);
    // What happened, day by day: the figures are the history's, not only each other's.
    let figures: Vec<(i64, i64, i64)> = expected
        .iter()
        .map(|r| {
            (
                r["new_user"].as_i64().unwrap(),
                r["cancel_user"].as_i64().unwrap(),
                r["cumulate_user"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(figures, [(0, 0, 4), (2, 1, 5), (0, 1, 4)]);

    let csv_args = args("csv");
    let output = env.run(&csv_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("ref_date,new_user,cancel_user,net_user,cumulate_user")
    );
    let rows: Vec<String> = lines.map(str::to_owned).collect();
    let want: Vec<String> = expected
        .iter()
        .map(|r| {
            format!(
                "{},{},{},{},{}",
                r["ref_date"].as_str().unwrap(),
                r["new_user"],
                r["cancel_user"],
                r["net_user"],
                r["cumulate_user"]
            )
        })
        .collect();
    assert_eq!(rows, want);

    let jsonl_args = args("jsonl");
    let output = env.run(&jsonl_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    let rows: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn chart_writes_the_svg_of_the_followers() {
    let env = Env::new(4);
    let first = history(&env);
    let path = env.dir.path().join("followers.svg");
    let (from, to) = (first.to_string(), first.add_days(1).to_string());
    let output = env.run(&[
        "stats",
        "users",
        "--from",
        &from,
        "--to",
        &to,
        "--format",
        "csv",
        "--chart",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 3);
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("Followers"));
    // A bar a day, with the day's total of followers.
    assert_eq!(svg.matches("class=\"bar\"").count(), 2, "{svg}");
    assert!(svg.contains(&format!("<title>{from}: 5</title>")), "{svg}");
    assert!(svg.contains(&format!("<title>{to}: 4</title>")), "{svg}");
}

#[test]
fn a_range_ending_today_is_the_platforms_61501_and_exit_1() {
    let env = Env::new(1);
    let today = Date::of_unix(env.sandbox.now());
    let (code, err) = env.fails(&[
        "stats",
        "users",
        "--from",
        &today.add_days(-1).to_string(),
        "--to",
        &today.to_string(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("61501"), "{err}");
}
