//! `wxoa stats` against a sandbox with analytics' settings where the sources disagree: the
//! platform's refusals (61503 data not ready, 48001 unverified, 47009 the original article
//! endpoints offline) exit 1 naming the code, each its own test; `--spans` splits a range by
//! the table given; a malformed `--spans` is a usage error.

use wxoa_sandbox::{AccountConfig, AnalyticsRules, Sandbox};
use wxoa_types::date::Date;

use crate::sandbox_env::Env;
use crate::stdout;

fn yesterday(env: &Env) -> String {
    Date::of_unix(env.sandbox.now()).add_days(-1).to_string()
}

fn ruled(rules: AnalyticsRules) -> Env {
    Env::with(
        Sandbox::builder()
            .followers(2)
            .seed(5)
            .analytics_rules(rules),
    )
}

/// Runs `wxoa stats <command> --from DAY --to DAY --format csv` that must fail; its exit code
/// and stderr.
fn one_day_fails(env: &Env, command: &str, day: &str) -> (i32, String) {
    env.fails(&[
        "stats", command, "--from", day, "--to", day, "--format", "csv",
    ])
}

#[test]
fn yesterday_before_the_ready_hour_is_61503_and_exit_1() {
    let mut rules = AnalyticsRules::default();
    rules.ready_hour = 8;
    let env = ruled(rules);
    let now = env.sandbox.now();
    let beijing = now + 8 * 3_600;
    let midnight = (beijing.div_euclid(86_400) + 1) * 86_400 - 8 * 3_600;
    env.advance(midnight - now + 60);
    let (code, err) = one_day_fails(&env, "users", &yesterday(&env));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("61503"), "{err}");
}

#[test]
fn an_unverified_account_is_48001_and_exit_1() {
    let account = AccountConfig::default().verified(false);
    let env = Env::with(Sandbox::builder().account(account));
    let (code, err) = one_day_fails(&env, "messages", &yesterday(&env));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("48001"), "{err}");
}

#[test]
fn the_original_article_endpoints_offline_are_47009_and_exit_1() {
    let mut rules = AnalyticsRules::default();
    rules.old_articles_offline = true;
    let env = ruled(rules);
    let (code, err) = one_day_fails(&env, "articles", &yesterday(&env));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("47009"), "{err}");
}

#[test]
fn spans_split_a_month_of_article_reads_into_one_call() {
    let mut rules = AnalyticsRules::default();
    rules.spans = "getarticleread=30".parse().unwrap();
    let env = ruled(rules);
    let end = Date::of_unix(env.sandbox.now()).add_days(-1);
    let (from, to) = (end.add_days(-29).to_string(), end.to_string());
    let output = env.run(&[
        "stats",
        "query",
        "getarticleread",
        "--from",
        &from,
        "--to",
        &to,
        "--format",
        "jsonl",
        "--spans",
        "getarticleread=30",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(env.calls("/datacube/getarticleread").len(), 1);
}

#[test]
fn a_malformed_spans_setting_is_a_usage_error() {
    let env = Env::new(1);
    let day = yesterday(&env);
    for spans in ["getnothing=3", "getarticleread=0", "getarticleread"] {
        let (code, err) = env.fails(&[
            "stats", "users", "--from", &day, "--to", &day, "--spans", spans,
        ]);
        assert_eq!(code, 2, "{spans}: {err}");
        assert!(err.contains("--spans"), "{spans}: {err}");
    }
    assert!(env.calls("/datacube/getusersummary").is_empty());
}
