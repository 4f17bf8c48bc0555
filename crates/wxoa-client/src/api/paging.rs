//! Paged OpenID lists as streams (`user/get`, `user/tag/get`, `getblacklist`), and batch calls
//! cut to the platform's limits whatever the input size.

use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::OpenId;

use crate::api::support::{lenient, opt_lenient};
use crate::{ApiRequest, Client, Result};

/// One page of a list of OpenIDs: `{"total":N,"count":M,"data":{"openid":[…]},"next_openid":"…"}`.
///
/// After the last page the platform answers `count` 0 and no `data`; `next_openid` names the
/// last OpenID of a page even when it is the last one, so only an empty page ends a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenIdPage {
    /// How many OpenIDs the whole list holds (absent on `user/tag/get`).
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<u64>,
    /// How many OpenIDs this page holds.
    #[serde(default, deserialize_with = "lenient")]
    pub count: u64,
    /// The OpenIDs of this page (absent on an empty page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<OpenIdList>,
    /// Where the next page starts.
    #[serde(default)]
    pub next_openid: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `data` of an [`OpenIdPage`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenIdList {
    /// The OpenIDs.
    #[serde(default)]
    pub openid: Vec<OpenId>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OpenIdPage {
    /// The OpenIDs of this page.
    #[must_use]
    pub fn openids(&self) -> &[OpenId] {
        self.data.as_ref().map_or(&[], |d| d.openid.as_slice())
    }

    /// The OpenIDs of this page, owned.
    #[must_use]
    pub fn into_openids(self) -> Vec<OpenId> {
        self.data.map(|d| d.openid).unwrap_or_default()
    }
}

/// Every page of a list, fetching the next one only when the previous one has been consumed:
/// one page in memory at a time. Ends at the first empty page, when the platform names no
/// next OpenID, or when it names the one the page started from (which would loop forever);
/// ends after yielding an error.
pub(crate) fn pages<F, Fut>(
    start: String,
    fetch: F,
) -> impl Stream<Item = Result<OpenIdPage>> + Send + 'static
where
    F: FnMut(String) -> Fut + Send + 'static,
    Fut: Future<Output = Result<OpenIdPage>> + Send + 'static,
{
    stream::try_unfold((Some(start), fetch), |(cursor, mut fetch)| async move {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        let page = fetch(cursor.clone()).await?;
        if page.count == 0 || page.openids().is_empty() {
            return Ok(None);
        }
        let next = if page.next_openid.is_empty() {
            None
        } else if page.next_openid == cursor {
            tracing::warn!(
                next_openid = %cursor,
                "the platform answered the page it was asked for again; the list ends here"
            );
            None
        } else {
            Some(page.next_openid.clone())
        };
        Ok(Some((page, (next, fetch))))
    })
}

/// The OpenIDs of every page, one at a time.
pub(crate) fn openids<S>(pages: S) -> impl Stream<Item = Result<OpenId>> + Send + 'static
where
    S: Stream<Item = Result<OpenIdPage>> + Send + 'static,
{
    pages
        .map_ok(|page| stream::iter(page.into_openids().into_iter().map(Ok)))
        .try_flatten()
}

/// Ends a stream right after its first error, so that a consumer that goes on polling never
/// sees items from beyond a failure.
pub(crate) fn until_error<T, S>(items: S) -> impl Stream<Item = Result<T>> + Send + 'static
where
    S: Stream<Item = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    items.scan(false, |failed, item| {
        let next = if *failed {
            None
        } else {
            *failed = item.is_err();
            Some(item)
        };
        futures::future::ready(next)
    })
}

/// Sends `items` to a batch endpoint in batches of at most `max`, one after the other, each
/// body built by `body`. Stops at the first failure: the batches before it were applied (the
/// platform's batch calls set a state, so sending the whole list again is harmless).
pub(crate) async fn post_in_batches<T, B, F>(
    client: &Client,
    path: &'static str,
    items: &[T],
    max: usize,
    body: F,
) -> Result<()>
where
    B: Serialize,
    F: Fn(&[T]) -> B,
{
    let batches = items.len().div_ceil(max);
    for (i, batch) in items.chunks(max).enumerate() {
        let request = ApiRequest::post(path).json(&body(batch))?;
        if let Err(e) = client.execute::<crate::api::Ack>(request).await {
            if i > 0 {
                tracing::warn!(
                    path,
                    applied = i * max,
                    batches,
                    "a batch call failed after {i} of {batches} batches were applied"
                );
            }
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn page(openids: &[&str], next: &str) -> OpenIdPage {
        serde_json::from_value(serde_json::json!({
            "total": 5, "count": openids.len(),
            "data": {"openid": openids}, "next_openid": next,
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn pages_end_at_the_first_empty_page() {
        let answers = [
            page(&["a", "b"], "b"),
            page(&["c", "d"], "d"),
            page(&["e"], "e"),
            serde_json::from_str(r#"{"total":5,"count":0,"next_openid":""}"#).unwrap(),
        ];
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = asked.clone();
        let all: Vec<OpenId> = openids(pages(String::new(), move |cursor: String| {
            let i = {
                let mut log = log.lock().unwrap();
                log.push(cursor);
                log.len() - 1
            };
            let answer = answers[i].clone();
            async move { Ok(answer) }
        }))
        .try_collect()
        .await
        .unwrap();
        assert_eq!(all, ["a", "b", "c", "d", "e"].map(OpenId::from));
        assert_eq!(*asked.lock().unwrap(), ["", "b", "d", "e"]);
    }

    #[tokio::test]
    async fn a_repeated_cursor_ends_the_list_instead_of_looping() {
        let all: Vec<OpenIdPage> = pages("x".to_owned(), |_| async { Ok(page(&["x"], "x")) })
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
    }

    #[tokio::test]
    async fn nothing_follows_an_error() {
        let items = stream::iter(vec![
            Ok(1),
            Err(crate::Error::InvalidRequest(
                crate::InvalidRequest::AccessTokenGiven,
            )),
            Ok(2),
        ]);
        let seen: Vec<Result<i32>> = until_error(items).collect().await;
        assert_eq!(seen.len(), 2);
        assert!(seen[1].is_err());
    }
}
