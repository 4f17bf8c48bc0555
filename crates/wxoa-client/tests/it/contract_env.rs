//! Narrow contracts of the part-B API areas: the sandbox answers the response fixtures written
//! from the spec (`fixtures/api/`) in place of its own answers (scripted answers of its
//! faults), and what the client sent, as the sandbox kept it exactly, is compared whole with
//! the request fixtures. The same areas also run against the sandbox's own rules
//! (`sandbox_*.rs`), which checks behaviour rather than exact bodies.

use serde_json::Value;
use wxoa_client::{Client, Error};
use wxoa_sandbox::control::Scripted;
use wxoa_sandbox::kept::KeptRequest;

pub(crate) use crate::sandbox_env::{errcode, fixture, refused, request_fixture};
use crate::{Platform, builder, platform};

/// Every call, in practice: how long a scripted answer stays.
pub(crate) const ALWAYS: u32 = u32::MAX;

/// A sandbox and a client of its default account.
pub(crate) struct Contract {
    pub(crate) platform: Platform,
    pub(crate) client: Client,
}

pub(crate) async fn contract() -> Contract {
    let platform = platform().await;
    let client = builder(&platform).build().unwrap();
    Contract { platform, client }
}

impl Contract {
    /// Valid calls of `path` answer the response fixture `<area>/<name>.response.json`.
    pub(crate) async fn answer_fixture(&self, path: &str, area: &str, name: &str) {
        self.answer(path, fixture(area, &format!("{name}.response.json")))
            .await;
    }

    /// Valid calls of `path` answer `body`.
    pub(crate) async fn answer(&self, path: &str, body: Value) {
        self.script(path, &Scripted::json(body)).await;
    }

    /// Valid calls of `path` get `answer` (any status, headers and bytes).
    pub(crate) async fn script(&self, path: &str, answer: &Scripted) {
        let faults = self.platform.control().faults();
        faults.answer(path, answer, ALWAYS).await.unwrap();
    }

    /// Valid calls of `path` answer `{"errcode":0,"errmsg":"ok"}`, as the platform answers a
    /// change that has nothing else to say.
    pub(crate) async fn answer_ok(&self, path: &str) {
        self.answer(path, serde_json::json!({"errcode": 0, "errmsg": "ok"}))
            .await;
    }

    /// The next call of `path` answers `errcode`.
    pub(crate) async fn fail_next(&self, path: &str, errcode: i64) {
        self.platform
            .control()
            .faults()
            .error(path, errcode, 1)
            .await
            .unwrap();
    }

    /// How many requests reached `path`.
    pub(crate) async fn calls(&self, path: &str) -> usize {
        self.platform.control().count(path).await.unwrap()
    }

    /// The last request of `path`, exactly as it arrived.
    #[track_caller]
    pub(crate) fn last(&self, path: &str) -> KeptRequest {
        self.platform
            .requests(path)
            .pop()
            .unwrap_or_else(|| panic!("no request reached {path}"))
    }

    /// The JSON body of the last request of `path`.
    #[track_caller]
    pub(crate) fn last_json(&self, path: &str) -> Value {
        let request = self.last(path);
        request
            .json()
            .unwrap_or_else(|| panic!("the body of {path} is not JSON: {:?}", request.body))
    }
}

/// A platform error test: the next call of `$path` answers `$code`, and the typed call fails
/// with exactly that code after one request.
macro_rules! platform_error {
    ($name:ident, $path:expr, $code:expr, |$client:ident| $call:expr) => {
        #[tokio::test]
        async fn $name() {
            let env = $crate::contract_env::contract().await;
            env.fail_next($path, $code).await;
            let $client = env.client.clone();
            let result = $call.await;
            assert_eq!($crate::contract_env::errcode(result), $code);
            assert_eq!(env.calls($path).await, 1);
        }
    };
}
pub(crate) use platform_error;

/// A local validation test: the call is refused before anything is sent, with a message that
/// starts with the field's name and names the rule.
macro_rules! refused_locally {
    ($name:ident, $path:expr, $field_and_rule:expr, |$client:ident| $call:expr) => {
        #[tokio::test]
        async fn $name() {
            let env = $crate::contract_env::contract().await;
            let $client = env.client.clone();
            let message = $crate::contract_env::refused($call.await);
            let (field, rule): (&str, &str) = $field_and_rule;
            assert!(
                message.starts_with(&format!("{field}: ")) && message.contains(rule),
                "{message:?} should name {field:?} and {rule:?}"
            );
            assert_eq!(env.calls($path).await, 0, "nothing may reach {}", $path);
        }
    };
}
pub(crate) use refused_locally;

/// The error of a failed call, for the cases that are not platform or validation errors.
#[track_caller]
pub(crate) fn error<T: std::fmt::Debug>(result: Result<T, Error>) -> Error {
    match result {
        Err(error) => error,
        Ok(value) => panic!("expected an error, got {value:?}"),
    }
}
