//! Refresh tokens lost from the store (a flushed Redis) rebuilt from
//! `api_get_authorizer_list`: on demand, by a refresh that finds none (one rebuild at a time,
//! at most one per retry interval), and by the keeper.

use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

use super::credentials::{keep_refresh_token, stored_refresh_token};
use super::{Component, ComponentError};
use crate::Client;
use crate::component::ComponentState;
use crate::error::Result;
use crate::token::now_ms;

impl Component {
    /// Rebuilds the refresh tokens missing from the store from `api_get_authorizer_list`
    /// (after a store was flushed): answers how many were written.
    pub async fn recover_refresh_tokens(&self) -> Result<usize> {
        let mut done = self.state.recovery.lock().await;
        let recovered = recover(&self.client, &self.state).await?;
        *done = now_ms();
        Ok(recovered.written)
    }

    /// [`Component::recover_refresh_tokens`] unless a rebuild ran within the retry interval
    /// (`None` then): what the keeper runs when the store lost authorizers.
    pub(super) async fn recover_if_due(&self) -> Result<Option<Recovered>> {
        let mut last = self.state.recovery.lock().await;
        if !rebuild_due(*last, &self.state) {
            return Ok(None);
        }
        let recovered = recover(&self.client, &self.state).await?;
        *last = now_ms();
        Ok(Some(recovered))
    }
}

/// The refresh token of `authorizer` after a rebuild from the authorizer list (one rebuild at
/// a time, at most one per retry interval): a value other than `stale`, or
/// [`ComponentError::NoRefreshToken`].
pub(super) async fn recovered(
    component: &Client,
    state: &ComponentState,
    authorizer: &str,
    stale: Option<&Secret>,
) -> Result<Secret> {
    let mut last = state.recovery.lock().await;
    let fresh = |found: &Secret| stale.is_none_or(|stale| stale.expose() != found.expose());
    // Another caller may have rebuilt while this one waited.
    if let Some(found) = stored_refresh_token(component, authorizer).await
        && fresh(&found)
    {
        return Ok(found);
    }
    if rebuild_due(*last, state) {
        recover(component, state).await?;
        *last = now_ms();
        if let Some(found) = stored_refresh_token(component, authorizer).await
            && fresh(&found)
        {
            return Ok(found);
        }
    }
    Err(ComponentError::NoRefreshToken {
        component: component.app_id().clone(),
        authorizer: AppId::from(authorizer),
    }
    .into())
}

/// Whether a retry interval passed since the last rebuild, at `last` (Unix milliseconds).
fn rebuild_due(last: u64, state: &ComponentState) -> bool {
    let interval = u64::try_from(state.settings.retry_interval.as_millis()).unwrap_or(u64::MAX);
    last.saturating_add(interval) <= now_ms()
}

/// What a rebuild from the authorizer list did.
#[derive(Debug)]
pub(super) struct Recovered {
    /// Refresh tokens written.
    pub(super) written: usize,
    /// The authorizers the list answered a refresh token for.
    pub(super) authorizers: Vec<AppId>,
}

/// Pages the authorizer list and writes every refresh token the store lacks.
async fn recover(component: &Client, state: &ComponentState) -> Result<Recovered> {
    let handle = Component::new(component.clone())?;
    let mut written = 0;
    let mut authorizers = Vec::new();
    let mut offset = 0;
    loop {
        let page = handle
            .authorizer_page(offset, super::AUTHORIZER_PAGE_MAX)
            .await?;
        let count = page.list.len();
        for entry in page.list {
            let Some(refresh) = entry.refresh_token.filter(|r| !r.is_empty()) else {
                continue;
            };
            let appid = entry.authorizer_appid.as_str();
            authorizers.push(entry.authorizer_appid.clone());
            let held = stored_refresh_token(component, appid).await;
            if held.is_none_or(|held| held.expose() != refresh.expose()) {
                keep_refresh_token(component, appid, &refresh).await?;
                written += 1;
            }
        }
        offset += count;
        if count == 0 || offset >= page.total_count {
            break;
        }
    }
    state.rebuilds.inc();
    tracing::info!(component = %component.app_id(), written, "refresh tokens rebuilt from the authorizer list");
    Ok(Recovered {
        written,
        authorizers,
    })
}
