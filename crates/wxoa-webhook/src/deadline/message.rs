//! A late reply as the customer-service message that says the same, and the senders that
//! deliver it through the platform (feature `client`): a client's accounts, a component's
//! authorizers.

use serde_json::{Value, json};
use wxoa_types::reply::ReplyBody;

#[cfg(feature = "client")]
use super::{LateReply, SendError};
#[cfg(feature = "client")]
use futures::future::BoxFuture;

/// Why a reply cannot go out as a customer-service message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LateReplyError {
    /// Transfers to customer service exist only as passive replies.
    #[error(
        "a transfer to customer service cannot be sent late: it exists only as a passive reply"
    )]
    Transfer,
    /// A reply type this version cannot send as a customer-service message.
    #[error("a {msg_type} reply cannot be sent as a customer-service message")]
    Unsupported {
        /// The reply's `MsgType`.
        msg_type: &'static str,
    },
    /// A news reply without articles.
    #[error("a news reply without articles")]
    NoArticles,
}

/// The `message/custom/send` body that says what `body` says, to `openid`. A customer-service
/// news message carries one article: the first is sent (and the caller logs the rest).
pub fn custom_message(openid: &str, body: &ReplyBody) -> Result<Value, LateReplyError> {
    let (msgtype, payload) = match body {
        ReplyBody::Text { content } => ("text", json!({ "content": content })),
        ReplyBody::Image { media_id } => ("image", json!({ "media_id": media_id })),
        ReplyBody::Voice { media_id } => ("voice", json!({ "media_id": media_id })),
        ReplyBody::Video {
            media_id,
            title,
            description,
        } => (
            "video",
            json!({ "media_id": media_id, "title": title, "description": description }),
        ),
        ReplyBody::Music(music) => (
            "music",
            json!({
                "title": music.title,
                "description": music.description,
                "musicurl": music.music_url,
                "hqmusicurl": music.hq_music_url,
                "thumb_media_id": music.thumb_media_id,
            }),
        ),
        ReplyBody::News { articles } => {
            let first = articles.first().ok_or(LateReplyError::NoArticles)?;
            (
                "news",
                json!({ "articles": [{
                    "title": first.title,
                    "description": first.description,
                    "url": first.url,
                    "picurl": first.pic_url,
                }] }),
            )
        }
        ReplyBody::TransferCustomerService { .. } => return Err(LateReplyError::Transfer),
        other => {
            return Err(LateReplyError::Unsupported {
                msg_type: other.msg_type(),
            });
        }
    };
    let mut message = json!({ "touser": openid, "msgtype": msgtype });
    if let Some(object) = message.as_object_mut() {
        object.insert(msgtype.to_owned(), payload);
    }
    Ok(message)
}

/// Sends `message` through the platform's `message/custom/send` with `client`, once.
#[cfg(feature = "client")]
async fn send_custom(client: &wxoa_client::Client, message: &Value) -> Result<(), SendError> {
    client
        .post_json("/cgi-bin/message/custom/send", message)
        .await?;
    Ok(())
}

/// Sends late replies through the platform's `message/custom/send` with a [`wxoa_client`]
/// client holding the accounts (feature `client`). A send is never retried once it may have
/// reached the platform; 45015 (outside the 48-hour window) and every other failure come back
/// as the reason the webhook logs.
#[cfg(feature = "client")]
#[derive(Debug, Clone)]
pub struct CustomerService {
    client: wxoa_client::Client,
}

#[cfg(feature = "client")]
impl CustomerService {
    /// Late replies through `client` (its registry must hold the webhook's accounts).
    pub fn new(client: wxoa_client::Client) -> Self {
        Self { client }
    }
}

#[cfg(feature = "client")]
impl LateReply for CustomerService {
    fn send<'a>(&'a self, app_id: &'a str, message: Value) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let client = self.client.for_account(app_id)?;
            send_custom(&client, &message).await
        })
    }
}

/// A third-party platform sends its authorizers' late replies itself: `app_id` is the
/// authorizer's, whose token the component refreshes (feature `client`).
#[cfg(feature = "client")]
impl LateReply for wxoa_client::component::Component {
    fn send<'a>(&'a self, app_id: &'a str, message: Value) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let client = self.authorizer(app_id)?;
            send_custom(&client, &message).await
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use wxoa_types::reply::{Article, Music};

    #[test]
    fn maps_every_reply_kind() {
        assert_eq!(
            custom_message("o1", &ReplyBody::text("hi")).unwrap(),
            json!({"touser": "o1", "msgtype": "text", "text": {"content": "hi"}})
        );
        assert_eq!(
            custom_message("o1", &ReplyBody::image("M")).unwrap()["image"]["media_id"],
            "M"
        );
        let music =
            custom_message("o1", &ReplyBody::Music(Music::new("T").music_url("u"))).unwrap();
        assert_eq!(music["music"]["thumb_media_id"], "T");
        assert_eq!(music["music"]["musicurl"], "u");
        let news = custom_message(
            "o1",
            &ReplyBody::news(vec![Article::new("a", "u1"), Article::new("b", "u2")]),
        )
        .unwrap();
        assert_eq!(news["news"]["articles"].as_array().unwrap().len(), 1);
        assert_eq!(
            custom_message("o1", &ReplyBody::transfer_customer_service(None)),
            Err(LateReplyError::Transfer)
        );
    }
}
