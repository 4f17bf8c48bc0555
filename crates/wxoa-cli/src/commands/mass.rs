//! `wxoa mass …` (CONTRACT §7): mass messages to everyone, a tag, a legacy group or a list of
//! OpenIDs, previews, status, deletion, speed, and the uploads they need.
//!
//! Every send carries a `clientmsgid` (`--clientmsgid`, or one generated): the platform runs
//! it once, so sending again with the same one after an unclear failure cannot reach anybody
//! twice — the answer then says `"already_sent": true`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use wxoa_client::api::mass::{ImageSet, MassMessage};
use wxoa_client::{Client, Error};

use crate::commands::api::call;
use crate::commands::media::read_articles;
use crate::commands::user::OpenIds;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa mass …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MassCommand {
    /// Send a mass message.
    Send(SendArgs),
    /// Send a message to one follower to see it first (100 a day).
    Preview(PreviewArgs),
    /// Where a mass send stands.
    Status {
        /// The msg_id of the send.
        msg_id: u64,
    },
    /// Delete the detail page of a sent article or video message.
    Delete {
        /// The msg_id of the send.
        msg_id: u64,
        /// Only this article, from 1 (default: all of them).
        #[arg(long)]
        article_idx: Option<u32>,
        /// The URL of the article.
        #[arg(long)]
        url: Option<String>,
    },
    /// The speed of mass sends; --set changes it (0 fastest … 4 slowest).
    Speed {
        /// The new level, 0..=4.
        #[arg(long, value_name = "LEVEL")]
        set: Option<u8>,
    },
    /// Upload the articles of an mpnews message (uploadnews); prints their media_id.
    UploadNews {
        /// `{"articles": [...]}` in the platform's shape, a list, or one article (- for stdin).
        file: PathBuf,
    },
    /// Turn an uploaded temporary video into the media_id of an mpvideo message.
    UploadVideo {
        /// The temporary video's media_id.
        media_id: String,
        /// The title.
        #[arg(long)]
        title: String,
        /// The description.
        #[arg(long, default_value = "")]
        description: String,
    },
}

/// What a mass message says: exactly one of these.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Message {
    /// A text.
    #[arg(long)]
    text: Option<String>,
    /// Articles: a media_id from upload-news, a news material or a draft.
    #[arg(long, value_name = "MEDIA_ID")]
    mpnews: Option<String>,
    /// A voice media.
    #[arg(long, value_name = "MEDIA_ID")]
    voice: Option<String>,
    /// An image; repeat for one message of several images.
    #[arg(long, value_name = "MEDIA_ID")]
    image: Vec<String>,
    /// A video: a media_id from upload-video or a permanent video.
    #[arg(long, value_name = "MEDIA_ID")]
    mpvideo: Option<String>,
    /// A card.
    #[arg(long, value_name = "CARD_ID")]
    wxcard: Option<String>,
}

/// How the message is sent.
#[derive(Debug, Args)]
pub(crate) struct MessageOptions {
    /// Articles: go on when one is judged a reprint that may be reprinted.
    #[arg(long)]
    ignore_reprint: bool,
    /// Several images: the recommendation text.
    #[arg(long)]
    recommend: Option<String>,
    /// Several images: open comments (to followers only with --fans-only).
    #[arg(long)]
    open_comments: bool,
    /// Several images: only followers may comment.
    #[arg(long, requires = "open_comments")]
    fans_only: bool,
}

impl Message {
    fn build(self, options: &MessageOptions) -> MassMessage {
        if let Some(content) = self.text {
            return MassMessage::text(content);
        }
        if let Some(media_id) = self.mpnews {
            return MassMessage::MpNews {
                media_id: media_id.into(),
                send_ignore_reprint: options.ignore_reprint,
            };
        }
        if let Some(media_id) = self.voice {
            return MassMessage::voice(media_id);
        }
        if let Some(media_id) = self.mpvideo {
            return MassMessage::mpvideo(media_id);
        }
        if let Some(card_id) = self.wxcard {
            return MassMessage::wxcard(card_id);
        }
        let several = self.image.len() > 1 || options.recommend.is_some() || options.open_comments;
        if !several && let [only] = self.image.as_slice() {
            return MassMessage::image(only.clone());
        }
        let mut images = ImageSet::new(self.image);
        if let Some(text) = &options.recommend {
            images = images.recommend(text.clone());
        }
        if options.open_comments {
            images = images.open_comments(options.fans_only);
        }
        MassMessage::images(images)
    }
}

/// Who a mass message goes to: exactly one of these.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Audience {
    /// Every follower.
    #[arg(long)]
    all: bool,
    /// The followers with this tag.
    #[arg(long, value_name = "TAG_ID")]
    tag: Option<u32>,
    /// A legacy group (deprecated by the platform in favour of tags).
    #[arg(long, value_name = "GROUP_ID")]
    group: Option<u32>,
    /// These OpenIDs (2 to 10,000 in all); repeat.
    #[arg(long = "to", value_name = "OPENID")]
    to: Vec<String>,
    /// The OpenIDs of FILE, one per line (- for stdin).
    #[arg(long = "to-file", value_name = "FILE")]
    to_file: Option<PathBuf>,
}

/// Options of `wxoa mass send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    #[command(flatten)]
    audience: Audience,
    #[command(flatten)]
    message: Message,
    #[command(flatten)]
    options: MessageOptions,
    /// The idempotency key (≤ 64 bytes; default: a generated one, printed in the answer).
    /// Sending again with the same key cannot reach anybody twice.
    #[arg(long, value_name = "KEY")]
    clientmsgid: Option<String>,
}

/// Options of `wxoa mass preview`.
#[derive(Debug, Args)]
pub(crate) struct PreviewArgs {
    /// The follower, by OpenID.
    #[arg(
        long,
        value_name = "OPENID",
        conflicts_with = "wxname",
        required_unless_present = "wxname"
    )]
    openid: Option<String>,
    /// The follower, by WeChat id.
    #[arg(long, value_name = "WECHAT_ID")]
    wxname: Option<String>,
    #[command(flatten)]
    message: Message,
    #[command(flatten)]
    options: MessageOptions,
}

pub(crate) fn mass(settings: &Settings, command: MassCommand) -> Result<(), Failure> {
    match command {
        MassCommand::Send(args) => {
            let message = args.message.build(&args.options);
            let audience = args.audience;
            let openids = if audience.to.is_empty() && audience.to_file.is_none() {
                Vec::new()
            } else {
                OpenIds {
                    openids: audience.to.clone(),
                    from: audience.to_file.clone(),
                }
                .read()?
            };
            call(settings, |c| {
                send(c, audience, openids, message, args.clientmsgid)
            })
        }
        MassCommand::Preview(args) => {
            let message = args.message.build(&args.options);
            call(settings, |c| async move {
                match (args.openid, args.wxname) {
                    (Some(openid), _) => c.mass().preview_to_openid(openid, message).await,
                    (None, wxname) => {
                        c.mass()
                            .preview_to_wxname(wxname.unwrap_or_default(), message)
                            .await
                    }
                }
            })
        }
        MassCommand::Status { msg_id } => {
            call(settings, |c| async move { c.mass().status(msg_id).await })
        }
        MassCommand::Delete {
            msg_id,
            article_idx,
            url,
        } => call(settings, |c| async move {
            let mut request = c.mass().delete(msg_id);
            if let Some(index) = article_idx {
                request = request.article_idx(index);
            }
            if let Some(url) = url {
                request = request.url(url);
            }
            request.await
        }),
        MassCommand::Speed { set: None } => {
            call(settings, |c| async move { c.mass().speed().await })
        }
        MassCommand::Speed { set: Some(level) } => {
            call(settings, |c| async move { c.mass().set_speed(level).await })
        }
        MassCommand::UploadNews { file } => {
            let articles = read_articles(&file)?;
            call(settings, |c| async move {
                c.media().upload_news(articles).await
            })
        }
        MassCommand::UploadVideo {
            media_id,
            title,
            description,
        } => call(settings, |c| async move {
            c.media().upload_video(media_id, title, description).await
        }),
    }
}

#[allow(deprecated)]
async fn send(
    client: Client,
    audience: Audience,
    openids: Vec<String>,
    message: MassMessage,
    clientmsgid: Option<String>,
) -> Result<serde_json::Value, Error> {
    let mass = client.mass();
    let send = if audience.all {
        mass.to_all(message)
    } else if let Some(tag) = audience.tag {
        mass.to_tag(tag, message)
    } else if let Some(group) = audience.group {
        mass.to_group(group, message)
    } else {
        mass.to_openids(openids, message)
    };
    let send = match clientmsgid {
        Some(key) => send.with_client_msg_id(key),
        None => send,
    };
    let key = send.client_msg_id().to_owned();
    match send.await {
        Ok(sent) => Ok(json!(sent)),
        Err(error) => {
            if error.may_have_reached_platform() {
                tracing::warn!(
                    clientmsgid = %key,
                    "the mass send may have gone out: run the same command again with \
                     --clientmsgid {key} to find out; it cannot reach anybody twice"
                );
            }
            Err(error)
        }
    }
}
