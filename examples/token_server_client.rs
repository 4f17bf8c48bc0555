//! A business process that takes its tokens from a central control server
//! (`wxoa token-server`): it never calls the platform's token endpoints, never holds the
//! AppSecret, and a token the platform rejects is reported to the server, which replaces it
//! once however many processes report it.
//!
//! `WXOA_TOKEN_SERVER=http://10.0.0.5:8300 WXOA_TOKEN_SERVER_AUTH=… WXOA_APP_ID=wx… cargo run -p wxoa --example token_server_client`

// Examples print what they do; `serde_json::Value` indexing never panics (a missing key is Null).
#![allow(clippy::print_stdout, clippy::indexing_slicing)]

use wxoa::client::token::{RemoteTokenSource, TokenSource};
use wxoa::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let server = RemoteTokenSource::new(
        &var("WXOA_TOKEN_SERVER")?,
        Some(var("WXOA_TOKEN_SERVER_AUTH")?.into()),
    )?;
    let client = Client::builder()
        .account(ClientAccount::without_secret(var("WXOA_APP_ID")?))
        .token_source(TokenSource::remote(server))
        .build()?;
    let ips = client.get_json("/cgi-bin/getcallbackip", &[]).await?;
    println!("the platform pushes from {}", ips["ip_list"]);
    Ok(())
}
