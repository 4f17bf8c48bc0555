//! `wxoa oauth …` (CONTRACT §7): the web OAuth authorize URL, on the open base
//! (`--open-base`, or the API base when it is a sandbox), and what a redirect's code gives.
//! With `--authorizer`, on behalf of that account through the third-party platform: the URL
//! names the component, the code is exchanged with the component's token.

use clap::{Subcommand, ValueEnum};
use wxoa_client::api::oauth::Scope;

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa oauth …`.
#[derive(Debug, Subcommand)]
pub(crate) enum OauthCommand {
    /// Print the authorize URL a page redirects users to.
    Url {
        /// Where the platform sends the user back with ?code=…&state=….
        #[arg(long, value_name = "URL")]
        redirect_uri: String,
        /// What the user is asked for.
        #[arg(long, value_enum, default_value_t = ScopeArg::Base)]
        scope: ScopeArg,
        /// Handed back with the code: letters and digits, at most 128 bytes.
        #[arg(long)]
        state: Option<String>,
    },
    /// Exchange the code of a redirect (single use, 5 minutes); prints who signed in and what
    /// they granted — never the tokens.
    Exchange {
        /// The code.
        code: String,
    },
    /// Exchange the code of a snsapi_userinfo redirect and print the user's profile.
    Userinfo {
        /// The code.
        code: String,
    },
}

/// The OAuth scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScopeArg {
    /// snsapi_base: silent, the OpenID only.
    Base,
    /// snsapi_userinfo: a consent page, the profile too.
    Userinfo,
}

pub(crate) fn oauth(settings: &Settings, command: OauthCommand) -> Result<(), Failure> {
    let (redirect_uri, scope, state) = match command {
        OauthCommand::Url {
            redirect_uri,
            scope,
            state,
        } => (redirect_uri, scope, state),
        OauthCommand::Exchange { code } => {
            return call(settings, |c| async move {
                let token = c.oauth().exchange_code(code).await?;
                Ok(serde_json::json!({
                    "openid": token.openid,
                    "scope": token.scope,
                    "expires_in": token.expires_in,
                    "unionid": token.unionid,
                }))
            });
        }
        OauthCommand::Userinfo { code } => {
            return call(settings, |c| async move {
                let token = c.oauth().exchange_code(code).await?;
                c.oauth().userinfo(&token).await
            });
        }
    };
    let scope = match scope {
        ScopeArg::Base => Scope::Base,
        ScopeArg::Userinfo => Scope::UserInfo,
    };
    call(settings, |c| async move {
        let mut url = c.oauth().authorize_url(redirect_uri, scope);
        if let Some(state) = state {
            url = url.state(state);
        }
        Ok(serde_json::json!({"url": url.to_url()?}))
    })
}
