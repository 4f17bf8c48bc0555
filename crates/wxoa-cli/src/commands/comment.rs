//! `wxoa comment …`: the comments under an article (api-reference-2 §4) — open or close them,
//! list them (every page with `--all`), elect or unelect one, delete one, reply to one and
//! delete the reply. The article is named by the `msg_data_id` its news mass send or free
//! publication answered, and `--index`, its position in it.

use clap::{Args, Subcommand, ValueEnum};
use futures::TryStreamExt;
use wxoa_client::api::comments::{COMMENTS_PAGE_MAX, Comment, CommentFilter, CommentPage};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa comment …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CommentCommand {
    /// Let readers comment on an article.
    Open(ArticleArgs),
    /// Take no new comments on an article (its comments stay listed).
    Close(ArticleArgs),
    /// The comments of an article: one page, or every page with --all.
    List(ListArgs),
    /// Elect a comment (精选): every reader sees it.
    Elect(CommentArgs),
    /// Unelect a comment.
    Unelect(CommentArgs),
    /// Delete a comment.
    Delete(CommentArgs),
    /// Reply to a comment (one reply per comment; it reaches the comment's writer).
    Reply {
        #[command(flatten)]
        comment: CommentArgs,
        /// The reply's text.
        text: String,
    },
    /// Delete the reply to a comment.
    Unreply(CommentArgs),
}

/// The article a command is about.
#[derive(Debug, Args)]
pub(crate) struct ArticleArgs {
    /// The msg_data_id a news mass send (`wxoa mass send`) or a publication
    /// (`wxoa publish submit`) answered.
    msg_data_id: u64,
    /// The article's position in the send. The sources disagree on where it starts (the
    /// official text: 0; wechatpy: 1); it is sent as given.
    #[arg(long, default_value_t = 0)]
    index: u32,
}

/// A comment of an article.
#[derive(Debug, Args)]
pub(crate) struct CommentArgs {
    #[command(flatten)]
    article: ArticleArgs,
    /// The comment's user_comment_id (from `wxoa comment list`).
    user_comment_id: u64,
}

/// Which comments `list` shows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Kind {
    /// Every comment.
    All,
    /// Comments not elected.
    Normal,
    /// Elected comments.
    Elected,
}

impl From<Kind> for CommentFilter {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::All => CommentFilter::All,
            Kind::Normal => CommentFilter::Normal,
            Kind::Elected => CommentFilter::Elected,
        }
    }
}

/// Options of `wxoa comment list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    article: ArticleArgs,
    /// Which comments.
    #[arg(long = "type", value_enum, default_value_t = Kind::All)]
    kind: Kind,
    /// Where the page starts, from 0.
    #[arg(long, default_value_t = 0)]
    begin: u32,
    /// Comments per call, 1 to 49.
    #[arg(long, default_value_t = COMMENTS_PAGE_MAX)]
    count: u32,
    /// Every comment from --begin on, as one JSON list (paged for you).
    #[arg(long)]
    all: bool,
}

pub(crate) fn comment(settings: &Settings, command: CommentCommand) -> Result<(), Failure> {
    match command {
        CommentCommand::Open(a) => call(settings, |c| async move {
            c.comments().open(a.msg_data_id, a.index).await
        }),
        CommentCommand::Close(a) => call(settings, |c| async move {
            c.comments().close(a.msg_data_id, a.index).await
        }),
        CommentCommand::List(args) => list(settings, args),
        CommentCommand::Elect(a) => call(settings, |c| async move {
            let (id, index, comment) = a.parts();
            c.comments().elect(id, index, comment).await
        }),
        CommentCommand::Unelect(a) => call(settings, |c| async move {
            let (id, index, comment) = a.parts();
            c.comments().unelect(id, index, comment).await
        }),
        CommentCommand::Delete(a) => call(settings, |c| async move {
            let (id, index, comment) = a.parts();
            c.comments().delete(id, index, comment).await
        }),
        CommentCommand::Reply { comment: a, text } => call(settings, |c| async move {
            let (id, index, comment) = a.parts();
            c.comments().reply(id, index, comment, text).await
        }),
        CommentCommand::Unreply(a) => call(settings, |c| async move {
            let (id, index, comment) = a.parts();
            c.comments().delete_reply(id, index, comment).await
        }),
    }
}

impl CommentArgs {
    fn parts(&self) -> (u64, u32, u64) {
        (
            self.article.msg_data_id,
            self.article.index,
            self.user_comment_id,
        )
    }
}

fn list(settings: &Settings, args: ListArgs) -> Result<(), Failure> {
    call(settings, |c| async move {
        let request = c
            .comments()
            .list(args.article.msg_data_id, args.article.index)
            .kind(args.kind.into())
            .begin(args.begin)
            .count(args.count);
        Ok(if args.all {
            Listed::All(request.all().try_collect().await?)
        } else {
            Listed::Page(request.await?)
        })
    })
}

/// What `list` prints: the page as the platform answered it, or every comment.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Listed {
    Page(CommentPage),
    All(Vec<Comment>),
}
