//! The component's part in web OAuth for its authorizers (open-platform §6): the code
//! exchange and the refresh of an authorizer's users go to `/sns/oauth2/component/*` with the
//! component's AppID and token instead of the account's AppSecret. The requests themselves are
//! `api/oauth.rs`'s.

use serde::de::DeserializeOwned;
use wxoa_types::ids::AppId;

use crate::error::Result;
use crate::token::{Token, TokenKind};
use crate::{ApiRequest, Client};

/// Sends `request` for `authorizer` with `component_appid` and the component token
/// (`component_access_token`). A component token the platform rejects (40001, 40014, 42001)
/// is replaced once — once however many calls report it — and the call made again: the
/// platform refused it before looking at the code, so a single-use code is not spent.
pub(crate) async fn with_component_token<T: DeserializeOwned>(
    authorizer: &Client,
    component: &AppId,
    request: ApiRequest,
) -> Result<T> {
    let component = authorizer.for_account(component.as_str())?;
    let sent = |token: &Token| {
        request
            .clone()
            .query("component_appid", component.app_id().as_str())
            .query("component_access_token", token.expose())
    };
    let token = component.access_token().await?;
    match authorizer.execute(sent(&token)).await {
        Err(error) if error.is_token_error() => {
            tracing::debug!(
                path = request.path(),
                "retrying once with a new component token"
            );
            let fresh = component.invalidate(TokenKind::AccessToken, &token).await?;
            authorizer.execute(sent(&fresh)).await
        }
        other => other,
    }
}
