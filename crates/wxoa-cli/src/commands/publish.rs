//! `wxoa draft …` and `wxoa publish …`: drafts and free publishing (endpoints outside the
//! spec; their shapes come from public SDKs).

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use wxoa_client::api::material::NewsArticle;

use crate::commands::api::{call, failure};
use crate::commands::media::read_articles;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa draft …`.
#[derive(Debug, Subcommand)]
pub(crate) enum DraftCommand {
    /// Add a draft from a JSON file of 1 to 8 articles; prints its media_id.
    Add {
        /// `{"articles": [...]}` in the platform's shape, a list, or one article (- for stdin).
        file: PathBuf,
    },
    /// The articles of a draft.
    Get {
        /// The draft.
        media_id: String,
    },
    /// Replace one article of a draft.
    Update {
        /// The draft.
        media_id: String,
        /// The article's position, from 0.
        index: u32,
        /// The new article, a JSON object in the platform's shape (- for stdin).
        file: PathBuf,
    },
    /// Delete a draft.
    Delete {
        /// The draft.
        media_id: String,
    },
    /// How many drafts there are.
    Count,
    /// A page of drafts.
    List(PageArgs),
}

/// `wxoa publish …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PublishCommand {
    /// Publish a draft; prints the publish_id to follow.
    Submit {
        /// The draft.
        media_id: String,
    },
    /// Where a publication stands.
    Status {
        /// The publication.
        publish_id: String,
    },
    /// The articles of a published article_id.
    Article {
        /// The published article.
        article_id: String,
    },
    /// Delete a published article (cannot be undone).
    Delete {
        /// The published article.
        article_id: String,
        /// Only the article at this position, from 1 (default: all).
        #[arg(long)]
        index: Option<u32>,
    },
    /// A page of published articles.
    List(PageArgs),
}

/// Options of the list commands.
#[derive(Debug, clap::Args)]
pub(crate) struct PageArgs {
    /// Start at this position.
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// This many (1..=20).
    #[arg(long, default_value_t = 20)]
    count: u32,
    /// Leave the articles' HTML out.
    #[arg(long)]
    no_content: bool,
}

pub(crate) fn draft(settings: &Settings, command: DraftCommand) -> Result<(), Failure> {
    match command {
        DraftCommand::Add { file } => {
            let articles = read_articles(&file)?;
            call(settings, |c| async move {
                Ok(json!({"media_id": c.drafts().add(articles).await?}))
            })
        }
        DraftCommand::Get { media_id } => {
            call(settings, |c| async move { c.drafts().get(media_id).await })
        }
        DraftCommand::Update {
            media_id,
            index,
            file,
        } => {
            let text = crate::io::read_file(&file)?;
            let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
                Failure::usage(anyhow::anyhow!("{} is not JSON: {e}", file.display()))
            })?;
            let article = NewsArticle::from_json(&value, "articles").map_err(failure)?;
            call(settings, |c| async move {
                c.drafts().update(media_id, index, article).await
            })
        }
        DraftCommand::Delete { media_id } => {
            call(
                settings,
                |c| async move { c.drafts().delete(media_id).await },
            )
        }
        DraftCommand::Count => call(settings, |c| async move {
            Ok(json!({"total_count": c.drafts().count().await?}))
        }),
        DraftCommand::List(page) => call(settings, |c| async move {
            c.drafts()
                .list_page(page.offset, page.count)
                .no_content(page.no_content)
                .await
        }),
    }
}

pub(crate) fn publish(settings: &Settings, command: PublishCommand) -> Result<(), Failure> {
    match command {
        PublishCommand::Submit { media_id } => call(settings, |c| async move {
            c.publications().submit(media_id).await
        }),
        PublishCommand::Status { publish_id } => call(settings, |c| async move {
            c.publications().status(publish_id).await
        }),
        PublishCommand::Article { article_id } => call(settings, |c| async move {
            c.publications().article(article_id).await
        }),
        PublishCommand::Delete { article_id, index } => call(settings, |c| async move {
            let request = c.publications().delete(article_id);
            match index {
                Some(index) => request.index(index).await,
                None => request.await,
            }
        }),
        PublishCommand::List(page) => call(settings, |c| async move {
            c.publications()
                .list_page(page.offset, page.count)
                .no_content(page.no_content)
                .await
        }),
    }
}
