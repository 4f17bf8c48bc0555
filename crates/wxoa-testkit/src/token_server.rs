//! The token server of CONTRACT §5 (`wxoa_control`) in the test's process, for tests of its
//! clients (the API client's remote token source, the CLI's `--token-server`): it fetches from a
//! sandbox through a listener of its own, so that the sandbox's calls log tells its fetches
//! (listener `tokens`) apart from those of the client under test (listener `api`).

use std::time::Duration;

use wxoa_client::{Account, Client, RetryPolicy};
use wxoa_control::ControlServer;
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};

use crate::Served;

/// The Bearer token the token servers of [`token_server`] require.
pub const TOKEN_SERVER_AUTH: &str = "token-server-auth-for-tests-83b1";

/// The sandbox's listener the token server fetches through, as named in its calls log.
pub const TOKEN_SERVER_LISTENER: &str = "tokens";

/// A token server for the sandbox's default account, on a free loopback port (in the current
/// runtime), requiring [`TOKEN_SERVER_AUTH`], with its requests counted by path. It fetches from
/// `platform` through a listener named [`TOKEN_SERVER_LISTENER`], retrying without real waits.
/// It stops when dropped.
///
/// Panics (failing the test) when the listener, the client or the server cannot be set up.
pub async fn token_server(platform: &Sandbox) -> Served {
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let base = platform
        .add_listener(TOKEN_SERVER_LISTENER, loopback)
        .await
        .unwrap_or_else(|e| panic!("the sandbox cannot open a listener for the token server: {e}"));
    let client = Client::builder()
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([base])
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
        })
        .build()
        .unwrap_or_else(|e| panic!("the token server's client cannot be built: {e}"));
    let server = ControlServer::new(client, TOKEN_SERVER_AUTH);
    Served::start(server.router())
        .await
        .unwrap_or_else(|e| panic!("the token server cannot listen: {e}"))
}
