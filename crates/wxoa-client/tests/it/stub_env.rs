//! Narrow contracts of the part-B API areas against the client's stub platform: the stub
//! answers the response fixtures written from the spec (`fixtures/api/`), and what the client
//! sent is compared whole with the request fixtures. The same areas also run against the
//! sandbox (`sandbox_*.rs`), which checks behaviour rather than exact bodies.

use serde_json::Value;
use wxoa_client::testing::{Fault, StubPlatform, StubRequest};
use wxoa_client::{Client, Error};

use crate::builder;
pub(crate) use crate::sandbox_env::{errcode, fixture, refused, request_fixture};

/// A stub platform and a client of its default account.
pub(crate) struct Stub {
    pub(crate) stub: StubPlatform,
    pub(crate) client: Client,
}

pub(crate) async fn stub() -> Stub {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    Stub { stub, client }
}

impl Stub {
    /// Valid calls of `path` answer the response fixture `<area>/<name>.response.json`.
    pub(crate) fn answer_fixture(&self, path: &str, area: &str, name: &str) {
        self.stub
            .respond(path, fixture(area, &format!("{name}.response.json")));
    }

    /// Valid calls of `path` answer `body`.
    pub(crate) fn answer(&self, path: &str, body: Value) {
        self.stub.respond(path, body);
    }

    /// The next call of `path` answers `errcode`.
    pub(crate) fn fail_next(&self, path: &str, errcode: i64) {
        self.stub.fault(path, Fault::ErrCode(errcode), 1);
    }

    /// How many requests reached `path`.
    pub(crate) fn calls(&self, path: &str) -> usize {
        self.stub.calls(path)
    }

    /// The last request of `path`.
    #[track_caller]
    pub(crate) fn last(&self, path: &str) -> StubRequest {
        self.stub
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
            let env = $crate::stub_env::stub().await;
            env.fail_next($path, $code);
            let $client = env.client.clone();
            let result = $call.await;
            assert_eq!($crate::stub_env::errcode(result), $code);
            assert_eq!(env.calls($path), 1);
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
            let env = $crate::stub_env::stub().await;
            let $client = env.client.clone();
            let message = $crate::stub_env::refused($call.await);
            let (field, rule): (&str, &str) = $field_and_rule;
            assert!(
                message.starts_with(&format!("{field}: ")) && message.contains(rule),
                "{message:?} should name {field:?} and {rule:?}"
            );
            assert_eq!(env.calls($path), 0, "nothing may reach {}", $path);
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
