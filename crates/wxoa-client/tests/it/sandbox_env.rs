//! The typed API areas against an in-process sandbox: a client on it, the sandbox's control
//! API (followers, pushes, the calls log), and request bodies compared with the fixtures
//! written from the spec (`fixtures/api/`), never with what the sandbox expects.

use serde_json::{Value, json};
use wxoa_client::{Account, Client, Error};
use wxoa_sandbox::control::{Call, InboxItem};
use wxoa_sandbox::{Control, DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox, SandboxBuilder};

use crate::{fast_retry, init_logs};

pub(crate) use wxoa_testkit::fixtures::{fixture, query_fixture, request_fixture};

/// A running sandbox and a client of its default account.
pub(crate) struct Env {
    pub(crate) sandbox: Sandbox,
    pub(crate) client: Client,
}

/// A sandbox with `followers` synthetic followers.
pub(crate) async fn env(followers: u32) -> Env {
    env_with(Sandbox::builder().followers(followers).seed(3)).await
}

pub(crate) async fn env_with(builder: SandboxBuilder) -> Env {
    init_logs();
    let sandbox = builder.start().await.expect("the sandbox starts");
    let client = Client::builder()
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([sandbox.base_url()])
        .retry(fast_retry())
        .build()
        .unwrap();
    Env { sandbox, client }
}

impl Env {
    /// The sandbox's control API.
    pub(crate) fn control(&self) -> &Control {
        self.sandbox.control()
    }

    /// The first `n` followers, in `user/get` order.
    pub(crate) async fn followers(&self, n: usize) -> Vec<String> {
        self.control().followers(n, 0).await.unwrap().openids
    }

    /// A follower sends `message` (fields named as in the platform's XML).
    pub(crate) async fn push(&self, openid: &str, message: Value) {
        self.control().push(openid, message).await.unwrap();
    }

    /// A follower sends a text message: opens their customer-service window.
    pub(crate) async fn message_from(&self, openid: &str) {
        self.push(openid, json!({"MsgType": "text", "Content": "hi"}))
            .await;
    }

    /// A follower leaves.
    pub(crate) async fn unfollow(&self, openid: &str) {
        self.push(openid, json!({"MsgType": "event", "Event": "unsubscribe"}))
            .await;
    }

    /// Moves the sandbox's clock.
    pub(crate) async fn advance(&self, seconds: i64) {
        self.control().clock().advance(seconds).await.unwrap();
    }

    /// The next call to `path` answers `errcode`.
    pub(crate) async fn fail_next(&self, path: &str, errcode: i64) {
        self.control()
            .faults()
            .error(path, errcode, 1)
            .await
            .unwrap();
    }

    /// The next call to `path` is read, then its connection dropped without an answer.
    pub(crate) async fn drop_next(&self, path: &str) {
        self.control().faults().drop(path, 1).await.unwrap();
    }

    /// What the follower received.
    pub(crate) async fn inbox(&self, openid: &str) -> Vec<InboxItem> {
        self.control().inbox(openid).await.unwrap()
    }

    /// Every call the sandbox received on `path`, oldest first.
    pub(crate) async fn calls(&self, path: &str) -> Vec<Call> {
        self.control().calls(path).await.unwrap()
    }

    /// The bodies of the calls on `path`, oldest first.
    pub(crate) async fn bodies(&self, path: &str) -> Vec<Value> {
        self.calls(path).await.into_iter().map(|c| c.body).collect()
    }

    /// The body of the last call on `path`.
    pub(crate) async fn last_body(&self, path: &str) -> Value {
        self.bodies(path).await.pop().expect("a call was made")
    }

    /// The query of the last call on `path`.
    pub(crate) async fn last_query(&self, path: &str) -> Value {
        Value::Object(self.calls(path).await.pop().expect("a call was made").query)
    }
}

/// The platform's code of a failed call.
#[track_caller]
pub(crate) fn errcode<T: std::fmt::Debug>(result: Result<T, Error>) -> i64 {
    match result {
        Err(Error::Api { code, .. }) => code.code(),
        other => panic!("expected a platform error, got {other:?}"),
    }
}

/// The platform's code of a failed call, typed.
#[track_caller]
pub(crate) fn api_code<T: std::fmt::Debug>(result: Result<T, Error>) -> wxoa_client::ErrCode {
    wxoa_client::ErrCode::from_code(errcode(result))
}

/// The message of a request refused before it left.
#[track_caller]
pub(crate) fn refused<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::InvalidRequest(invalid)) => invalid.to_string(),
        other => panic!("expected a local validation error, got {other:?}"),
    }
}
