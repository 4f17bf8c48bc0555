//! `wxoa send …` (CONTRACT §7): customer-service messages of every kind to a follower who
//! interacted recently, and the typing indicator. A send is never repeated once it may have
//! reached the platform.

use clap::{Args, Subcommand};
use wxoa_client::api::custom::{Article, Message, MiniProgramPage, MsgMenu, Music, Video};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa send …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SendCommand {
    /// A text (links allowed).
    Text {
        #[command(flatten)]
        to: To,
        /// The text.
        content: String,
    },
    /// An image (temporary media or permanent material).
    Image {
        #[command(flatten)]
        to: To,
        /// The image's media id.
        media_id: String,
    },
    /// A voice message.
    Voice {
        #[command(flatten)]
        to: To,
        /// The voice's media id.
        media_id: String,
    },
    /// A video.
    Video {
        #[command(flatten)]
        to: To,
        /// The video's media id.
        media_id: String,
        /// The thumbnail's media id.
        #[arg(long, value_name = "MEDIA_ID")]
        thumb: String,
        /// The title.
        #[arg(long)]
        title: Option<String>,
        /// The description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Music.
    Music {
        #[command(flatten)]
        to: To,
        /// The music's URL.
        #[arg(long, value_name = "URL")]
        url: String,
        /// The high-quality music's URL (default: --url).
        #[arg(long, value_name = "URL")]
        hq_url: Option<String>,
        /// The thumbnail's media id.
        #[arg(long, value_name = "MEDIA_ID")]
        thumb: String,
        /// The title.
        #[arg(long)]
        title: Option<String>,
        /// The description.
        #[arg(long)]
        description: Option<String>,
    },
    /// A link card (one article).
    News {
        #[command(flatten)]
        to: To,
        /// The title.
        #[arg(long)]
        title: String,
        /// Where a tap leads.
        #[arg(long, value_name = "URL")]
        url: String,
        /// The description.
        #[arg(long)]
        description: Option<String>,
        /// The picture's URL.
        #[arg(long, value_name = "URL")]
        picurl: Option<String>,
    },
    /// An article of the account's news material.
    Mpnews {
        #[command(flatten)]
        to: To,
        /// The news material's media id.
        media_id: String,
    },
    /// A published article.
    Article {
        #[command(flatten)]
        to: To,
        /// The published article's article_id.
        article_id: String,
    },
    /// A menu of choices; a tap comes back as a text message with bizmsgmenuid.
    Menu {
        #[command(flatten)]
        to: To,
        /// The text above the choices.
        #[arg(long, default_value = "")]
        head: String,
        /// The text below the choices.
        #[arg(long, default_value = "")]
        tail: String,
        /// A choice; repeat for more.
        #[arg(long = "item", value_name = "ID=TEXT", value_parser = id_text, required = true)]
        items: Vec<(String, String)>,
    },
    /// A card.
    Card {
        #[command(flatten)]
        to: To,
        /// The card id.
        card_id: String,
    },
    /// A mini-program page card.
    Miniprogram {
        #[command(flatten)]
        to: To,
        /// The title.
        #[arg(long)]
        title: String,
        /// The mini program's AppID.
        #[arg(long)]
        appid: String,
        /// The page, e.g. pages/index.
        #[arg(long)]
        pagepath: String,
        /// The card picture's media id.
        #[arg(long, value_name = "MEDIA_ID")]
        thumb: String,
    },
    /// Show (or with --cancel, stop showing) "typing…" to a follower.
    Typing {
        /// The follower's OpenID.
        openid: String,
        /// Stop showing it.
        #[arg(long)]
        cancel: bool,
    },
}

/// Who a message goes to, and as which agent.
#[derive(Debug, Args)]
pub(crate) struct To {
    /// The follower's OpenID.
    pub(crate) openid: String,
    /// Send as this agent account (prefix@account).
    #[arg(long = "as", value_name = "KF_ACCOUNT")]
    pub(crate) kf_account: Option<String>,
}

fn id_text(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((id, text)) if !id.is_empty() => Ok((id.to_owned(), text.to_owned())),
        _ => Err(format!("expected ID=TEXT, got {pair:?}")),
    }
}

pub(crate) fn send(settings: &Settings, command: SendCommand) -> Result<(), Failure> {
    let (to, message) = match command {
        SendCommand::Typing { openid, cancel } => {
            return call(settings, |c| async move {
                if cancel {
                    c.custom().cancel_typing(openid).await
                } else {
                    c.custom().typing(openid).await
                }
            });
        }
        SendCommand::Text { to, content } => (to, Message::text(content)),
        SendCommand::Image { to, media_id } => (to, Message::image(media_id)),
        SendCommand::Voice { to, media_id } => (to, Message::voice(media_id)),
        SendCommand::Video {
            to,
            media_id,
            thumb,
            title,
            description,
        } => {
            let mut video = Video::new(media_id, thumb);
            video.title = title;
            video.description = description;
            (to, video.into())
        }
        SendCommand::Music {
            to,
            url,
            hq_url,
            thumb,
            title,
            description,
        } => {
            let hq = hq_url.unwrap_or_else(|| url.clone());
            let mut music = Music::new(url, hq, thumb);
            music.title = title;
            music.description = description;
            (to, music.into())
        }
        SendCommand::News {
            to,
            title,
            url,
            description,
            picurl,
        } => {
            let mut article = Article::new(title, url);
            article.description = description.unwrap_or_default();
            article.pic_url = picurl.unwrap_or_default();
            (to, Message::news(article))
        }
        SendCommand::Mpnews { to, media_id } => (to, Message::mpnews(media_id)),
        SendCommand::Article { to, article_id } => (to, Message::mpnews_article(article_id)),
        SendCommand::Menu {
            to,
            head,
            tail,
            items,
        } => {
            let menu = items
                .into_iter()
                .fold(MsgMenu::new(head, tail), |menu, (id, text)| {
                    menu.item(id, text)
                });
            (to, menu.into())
        }
        SendCommand::Card { to, card_id } => (to, Message::wxcard(card_id)),
        SendCommand::Miniprogram {
            to,
            title,
            appid,
            pagepath,
            thumb,
        } => (
            to,
            MiniProgramPage::new(title, appid, pagepath, thumb).into(),
        ),
    };
    call(settings, |c| async move {
        let send = c.custom().send(to.openid, message);
        match to.kf_account {
            Some(kf) => send.kf_account(kf).await,
            None => send.await,
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn menu_items_need_an_id() {
        assert_eq!(
            id_text("101=满意").unwrap(),
            ("101".to_owned(), "满意".to_owned())
        );
        assert!(id_text("=x").is_err() && id_text("x").is_err());
    }
}
