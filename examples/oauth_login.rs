//! Web login with OAuth (网页授权): send the browser to the authorize URL, take the `code` the
//! platform redirects back with, exchange it for the user's OAuth token and read the profile.
//!
//! `WXOA_APP_ID=wx… WXOA_APP_SECRET=… cargo run -p wxoa --example oauth_login -- CODE`
//! (without CODE it prints the authorize URL to open in WeChat).

// Examples print what they do.
#![allow(clippy::print_stdout)]

use wxoa::client::api::oauth::Scope;
use wxoa::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let client = Client::builder()
        .account(ClientAccount::new(
            var("WXOA_APP_ID")?,
            var("WXOA_APP_SECRET")?,
        ))
        .build()?;
    let Some(code) = std::env::args().nth(1) else {
        // Step 1: the page the user opens; the platform redirects to the callback with
        // `?code=CODE&state=login`.
        let url = client
            .oauth()
            .authorize_url("https://example.com/callback", Scope::UserInfo)
            .state("login")
            .to_url()?;
        println!("open in WeChat: {url}");
        return Ok(());
    };
    // Step 2: the callback exchanges the code (single use, 5 minutes) — never retried.
    let token = client.oauth().exchange_code(code).await?;
    // Step 3: the profile (needs the snsapi_userinfo scope).
    let user = client.oauth().userinfo(&token).await?;
    println!("logged in: {} ({:?})", token.openid, user);
    Ok(())
}
