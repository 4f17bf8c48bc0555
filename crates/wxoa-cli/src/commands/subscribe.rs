//! `wxoa subscribe …` (CONTRACT §7): subscription notifications (订阅通知) — the public template
//! library, the account's templates, sends to followers who consented, and the legacy
//! one-time subscription.

use clap::{Args, Subcommand, ValueEnum};
use futures::TryStreamExt;
use wxoa_client::api::subscribe::{KeywordLimits, MiniProgramState, NotificationLang};

use crate::commands::api::call;
use crate::commands::template::pair;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa subscribe …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SubscribeCommand {
    /// The account's categories in the template library.
    Categories,
    /// Titles of the template library: a page, or every one with --all.
    Titles(TitlesArgs),
    /// The keywords a title offers (kid, name, type, example).
    Keywords {
        /// The title's id (tid).
        tid: u32,
    },
    /// Make a template of a title with 2 to 5 of its keywords; prints its priTmplId.
    Add {
        /// The title's id (tid).
        tid: u32,
        /// The keywords' ids (kid), in the order they are shown.
        #[arg(required = true, num_args = 1..)]
        kids: Vec<u32>,
        /// What the template is used for (sceneDesc, at most 15 characters).
        #[arg(long, value_name = "TEXT")]
        scene_desc: Option<String>,
    },
    /// The account's templates, with their content.
    List,
    /// Remove a template from the account.
    Delete {
        /// The template's priTmplId.
        template_id: String,
    },
    /// Send a notification to a follower who consented; every value is checked against its
    /// keyword type first (thing ≤ 20 characters, phrase ≤ 5 Chinese characters …).
    Send(SendArgs),
    /// Legacy one-time subscription: print the page where a user confirms one message.
    OneTimeUrl {
        /// The template id (MP console).
        template_id: String,
        /// The scene, 0 to 10000.
        #[arg(long)]
        scene: u32,
        /// Where WeChat sends the user back with ?openid=…&action=confirm|cancel.
        #[arg(long, value_name = "URL")]
        redirect_url: String,
        /// Handed back with the redirect: letters and digits, at most 128 bytes.
        #[arg(long)]
        reserved: Option<String>,
    },
    /// Legacy one-time subscription: the one message a user's confirmation allows.
    OneTimeSend(OneTimeArgs),
}

/// Options of `wxoa subscribe titles`.
#[derive(Debug, Args)]
pub(crate) struct TitlesArgs {
    /// Only titles of this category; repeat for more.
    #[arg(long = "category", value_name = "ID")]
    categories: Vec<u32>,
    /// Where the page starts (0-based).
    #[arg(long, default_value_t = 0, conflicts_with = "all")]
    start: u32,
    /// Titles in the page, 1 to 30.
    #[arg(long, default_value_t = 30, conflicts_with = "all")]
    limit: u32,
    /// Every title, page after page.
    #[arg(long)]
    all: bool,
}

/// Options of `wxoa subscribe send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The follower's OpenID.
    openid: String,
    /// The template's priTmplId.
    template_id: String,
    /// A field of data, NAME=VALUE (thing1=…); repeat for every keyword of the template.
    #[arg(long = "data", value_name = "NAME=VALUE", value_parser = pair)]
    data: Vec<(String, String)>,
    /// Where a tap leads.
    #[arg(long, value_name = "URL")]
    page: Option<String>,
    /// Open a page of this linked mini program on a tap (with --pagepath).
    #[arg(long, value_name = "APPID", requires = "pagepath")]
    miniprogram: Option<String>,
    /// The mini program's page.
    #[arg(long, value_name = "PATH", requires = "miniprogram")]
    pagepath: Option<String>,
    /// Which version of the mini program a tap opens.
    #[arg(long, value_enum)]
    miniprogram_state: Option<StateArg>,
    /// The mini program's language: zh_CN, en_US, zh_HK or zh_TW.
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// The idempotency key: a key the platform has seen is sent once only.
    #[arg(long, value_name = "KEY")]
    client_msg_id: Option<String>,
    /// Digits an amount may have (10 per the platform's table; one client has 12).
    #[arg(long, value_name = "N")]
    amount_digits: Option<usize>,
    /// Refuse time and date ranges joined by ~ (which newer text allows).
    #[arg(long)]
    no_ranges: bool,
}

/// The versions of a mini program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StateArg {
    /// 开发版.
    Developer,
    /// 体验版.
    Trial,
    /// 正式版.
    Formal,
}

/// Options of `wxoa subscribe one-time-send`.
#[derive(Debug, Args)]
pub(crate) struct OneTimeArgs {
    /// The OpenID the confirmation's redirect carried.
    openid: String,
    /// The template id.
    template_id: String,
    /// The scene the user confirmed, 0 to 10000.
    #[arg(long)]
    scene: u32,
    /// The title, at most 15 characters.
    #[arg(long)]
    title: String,
    /// The content, at most 200 characters.
    #[arg(long)]
    content: String,
    /// The content's colour, #RRGGBB.
    #[arg(long, value_name = "#RRGGBB")]
    color: Option<String>,
    /// Where a tap leads.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Open a page of this linked mini program on a tap (with --pagepath).
    #[arg(long, value_name = "APPID", requires = "pagepath")]
    miniprogram: Option<String>,
    /// The mini program's page.
    #[arg(long, value_name = "PATH", requires = "miniprogram")]
    pagepath: Option<String>,
}

pub(crate) fn subscribe(settings: &Settings, command: SubscribeCommand) -> Result<(), Failure> {
    match command {
        SubscribeCommand::Categories => {
            call(
                settings,
                |c| async move { c.subscriptions().categories().await },
            )
        }
        SubscribeCommand::Titles(args) if args.all => call(settings, |c| async move {
            let titles: Vec<_> = c
                .subscriptions()
                .all_titles(args.categories)
                .try_collect()
                .await?;
            Ok(titles)
        }),
        SubscribeCommand::Titles(args) => call(settings, |c| async move {
            c.subscriptions()
                .titles(args.start, args.limit)
                .categories(args.categories)
                .await
        }),
        SubscribeCommand::Keywords { tid } => call(settings, |c| async move {
            c.subscriptions().keywords(tid).await
        }),
        SubscribeCommand::Add {
            tid,
            kids,
            scene_desc,
        } => call(settings, |c| async move {
            let mut add = c.subscriptions().add(tid, kids);
            if let Some(scene) = scene_desc {
                add = add.scene_desc(scene);
            }
            Ok(serde_json::json!({"priTmplId": add.await?}))
        }),
        SubscribeCommand::List => call(settings, |c| async move { c.subscriptions().list().await }),
        SubscribeCommand::Delete { template_id } => call(settings, |c| async move {
            c.subscriptions().delete(template_id).await
        }),
        SubscribeCommand::Send(args) => send(settings, args),
        SubscribeCommand::OneTimeUrl {
            template_id,
            scene,
            redirect_url,
            reserved,
        } => call(settings, |c| async move {
            let mut url =
                c.subscriptions()
                    .one_time_authorize_url(template_id, scene, redirect_url);
            if let Some(reserved) = reserved {
                url = url.reserved(reserved);
            }
            Ok(serde_json::json!({"url": url.to_url()?}))
        }),
        SubscribeCommand::OneTimeSend(args) => call(settings, |c| async move {
            let mut send = c.subscriptions().one_time_send(
                args.openid,
                args.template_id,
                args.scene,
                args.title,
                args.content,
            );
            if let Some(color) = args.color {
                send = send.color(color);
            }
            if let Some(url) = args.url {
                send = send.url(url);
            }
            if let (Some(appid), Some(pagepath)) = (args.miniprogram, args.pagepath) {
                send = send.miniprogram(appid, pagepath);
            }
            send.await
        }),
    }
}

fn send(settings: &Settings, args: SendArgs) -> Result<(), Failure> {
    let mut limits = KeywordLimits::default();
    if let Some(digits) = args.amount_digits {
        limits.amount_digits = digits;
    }
    limits.ranges = !args.no_ranges;
    call(settings, |c| async move {
        let mut send = c
            .subscriptions()
            .send(args.openid, args.template_id)
            .keyword_limits(limits);
        for (name, value) in args.data {
            send = send.field(name, value);
        }
        if let Some(page) = args.page {
            send = send.page(page);
        }
        if let (Some(appid), Some(pagepath)) = (args.miniprogram, args.pagepath) {
            send = send.miniprogram(appid, pagepath);
        }
        if let Some(state) = args.miniprogram_state {
            send = send.miniprogram_state(match state {
                StateArg::Developer => MiniProgramState::Developer,
                StateArg::Trial => MiniProgramState::Trial,
                StateArg::Formal => MiniProgramState::Formal,
            });
        }
        if let Some(lang) = args.lang {
            send = send.lang(NotificationLang::from(lang.as_str()));
        }
        if let Some(key) = args.client_msg_id {
            send = send.client_msg_id(key);
        }
        send.await
    })
}
