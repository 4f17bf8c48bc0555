//! The command line, as CONTRACT.md §1 defines it. Flag definitions here are the single source
//! of the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// wxoa — the toolkit for the backend of a WeChat Official Account.
#[derive(Debug, Parser)]
#[command(name = "wxoa", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// The command line as `wxoa` parses it: the derived definition, with every argument that
    /// takes one value accepting a value that begins with `-`. Platform identifiers are not
    /// bound to letters and digits — media ids, template ids, OAuth codes and tickets may begin
    /// with `-` — and `wxoa oauth exchange -2Xk…` must exchange that code, not fail as an
    /// unknown flag. Known flags are still flags; an option's value is the next word, whatever
    /// it begins with, as with getopt.
    pub(crate) fn command_line() -> clap::Command {
        fn accept_hyphens(command: clap::Command) -> clap::Command {
            command
                .mut_args(|arg| {
                    if matches!(arg.get_action(), clap::ArgAction::Set) {
                        arg.allow_hyphen_values(true)
                    } else {
                        arg
                    }
                })
                .mut_subcommands(accept_hyphens)
        }
        accept_hyphens(<Self as clap::CommandFactory>::command())
    }

    /// Parses the process's arguments; on a usage error prints it and exits with status 2.
    pub(crate) fn from_args() -> Self {
        use clap::FromArgMatches;
        let matches = Self::command_line().get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }
}

/// Options every command takes; each is also read from the environment, then from the
/// `--config` file. Precedence: command line > environment > config file > defaults.
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct Global {
    /// TOML file with the same keys (snake_case), plus `[[accounts]]` tables for several AppIDs.
    #[arg(long, env = "WXOA_CONFIG", global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// AppID of the official account.
    #[arg(long, env = "WXOA_APP_ID", global = true, value_name = "ID")]
    pub(crate) app_id: Option<String>,
    /// AppSecret (never printed, never logged).
    #[arg(
        long,
        env = "WXOA_APP_SECRET",
        global = true,
        value_name = "S",
        hide_env_values = true
    )]
    pub(crate) app_secret: Option<String>,
    /// Act for this account, authorized to the third-party platform whose AppID and
    /// AppSecret are --app-id and --app-secret (its token refreshed through the component, or
    /// taken from --token-server, which then needs no AppSecret). `wxoa oauth` then goes
    /// through the component, `wxoa jssdk` signs with the account's ticket.
    #[arg(long, env = "WXOA_AUTHORIZER", global = true, value_name = "APPID")]
    pub(crate) authorizer: Option<String>,
    /// The server-configuration Token used in signatures.
    #[arg(
        long,
        env = "WXOA_TOKEN",
        global = true,
        value_name = "T",
        hide_env_values = true
    )]
    pub(crate) token: Option<String>,
    /// EncodingAESKey, 43 characters.
    #[arg(
        long,
        env = "WXOA_AES_KEY",
        global = true,
        value_name = "K",
        hide_env_values = true
    )]
    pub(crate) aes_key: Option<String>,
    /// API host; repeat for failover hosts in order (default: api.weixin.qq.com, then api2).
    #[arg(
        long,
        env = "WXOA_API_BASE",
        global = true,
        value_name = "URL",
        value_delimiter = ','
    )]
    pub(crate) api_base: Vec<String>,
    /// Host of `showqrcode` and other mp.weixin.qq.com pages.
    #[arg(long, env = "WXOA_MP_BASE", global = true, value_name = "URL")]
    pub(crate) mp_base: Option<String>,
    /// Host of the OAuth authorize page.
    #[arg(long, env = "WXOA_OPEN_BASE", global = true, value_name = "URL")]
    pub(crate) open_base: Option<String>,
    /// Where tokens and tickets are kept: memory, file:PATH or redis://HOST:PORT[/DB].
    #[arg(long, env = "WXOA_STORE", global = true, value_name = "STORE")]
    pub(crate) store: Option<String>,
    /// Take tokens from a central control server instead of the platform.
    #[arg(long, env = "WXOA_TOKEN_SERVER", global = true, value_name = "URL")]
    pub(crate) token_server: Option<String>,
    /// Bearer token for the central control server.
    #[arg(
        long,
        env = "WXOA_TOKEN_SERVER_AUTH",
        global = true,
        value_name = "X",
        hide_env_values = true
    )]
    pub(crate) token_server_auth: Option<String>,
    /// Output of API commands (default: json when stdout is not a terminal).
    #[arg(long, env = "WXOA_OUTPUT", global = true, value_enum)]
    pub(crate) output: Option<Output>,
    /// More log output on stderr (repeat for more); secrets are redacted at every level. Logs are
    /// coloured only on a terminal, and not when NO_COLOR is set.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    /// Only errors on stderr.
    #[arg(long, global = true)]
    pub(crate) quiet: bool,
}

/// How API commands print their results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Output {
    /// JSON.
    Json,
    /// A table for people.
    Table,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Signatures and message encryption: debug a captured push or a failing encrypted reply.
    #[command(subcommand)]
    Crypto(CryptoCommand),
    /// Read one inbound push XML on stdin and print it as typed JSON.
    Parse(ParseArgs),
    /// Serve the webhook: verify, decrypt, dedupe and answer the platform's pushes.
    Serve(crate::commands::serve::ServeArgs),
    /// Play the platform against a running webhook and explain every failure.
    Doctor(crate::commands::doctor::DoctorArgs),
    /// Call any API path with the account's token: `wxoa api get|post PATH`.
    #[command(subcommand)]
    Api(crate::commands::api::ApiCommand),
    /// Run the local WeChat platform: the API, followers, pushes to a webhook, a control API.
    Sandbox(Box<crate::commands::sandbox::SandboxArgs>),
    /// Configuration files.
    #[command(subcommand)]
    Config(crate::commands::config::ConfigCommand),
    /// Print shell completions.
    Completions(crate::commands::config::CompletionsArgs),
    /// Run the central control server: tokens and tickets for every business server.
    TokenServer(crate::commands::token_server::TokenServerArgs),
    /// Start the sandbox and the demo bot, wired together, and print the web console's URL.
    Demo(crate::commands::demo::DemoArgs),
    /// Followers: list (every follower with --all, to JSONL or CSV), profiles, remarks.
    #[command(subcommand)]
    User(crate::commands::user::UserCommand),
    /// Tags: create, rename, delete, members, tag and untag followers.
    #[command(subcommand)]
    Tag(crate::commands::tag::TagCommand),
    /// Legacy user groups (deprecated by the platform in favour of tags).
    #[command(subcommand)]
    Group(crate::commands::group::GroupCommand),
    /// The blacklist: list, block, unblock.
    #[command(subcommand)]
    Blacklist(crate::commands::blacklist::BlacklistCommand),
    /// The custom menu: apply a menu file (checked first), get, delete, conditional menus.
    #[command(subcommand)]
    Menu(crate::commands::menu::MenuCommand),
    /// Customer-service messages to a follower, and the typing indicator.
    #[command(subcommand)]
    Send(crate::commands::send::SendCommand),
    /// Customer service: agent accounts, sessions with followers, the message record.
    #[command(subcommand)]
    Kf(crate::commands::kf::KfCommand),
    /// A third-party platform (开放平台 第三方平台) whose AppID and AppSecret are --app-id and
    /// --app-secret: serve its pushes, start authorizations, list its authorizers, their
    /// tokens.
    #[command(subcommand)]
    Component(crate::commands::component::ComponentCommand),
    /// Template messages, templates and industries.
    #[command(subcommand)]
    Template(crate::commands::template::TemplateCommand),
    /// Subscription notifications (订阅通知): the template library, templates, sends to
    /// followers who consented, and the legacy one-time subscription.
    #[command(subcommand)]
    Subscribe(crate::commands::subscribe::SubscribeCommand),
    /// Analytics (数据统计) over a range of days: followers, article reads, messages, pushes
    /// to the server, or any analytics endpoint; a table with a chart, CSV or JSON lines.
    #[command(subcommand)]
    Stats(crate::commands::stats::StatsCommand),
    /// Web OAuth: the authorize URL.
    #[command(subcommand)]
    Oauth(crate::commands::oauth::OauthCommand),
    /// JS-SDK: the wx.config signature of a page.
    #[command(subcommand)]
    Jssdk(crate::commands::jssdk::JssdkCommand),
    /// QR codes with a scene: create one (and save its image), download an image.
    #[command(subcommand)]
    Qrcode(crate::commands::qrcode::QrcodeCommand),
    /// Media and permanent material: upload (checked first), download, list, count, delete.
    #[command(subcommand)]
    Media(crate::commands::media::MediaCommand),
    /// Mass messages: send (never twice), preview, status, delete, speed.
    #[command(subcommand)]
    Mass(crate::commands::mass::MassCommand),
    /// Cards: logo, create (checked first), QR code, get, list, stock, delete, codes.
    #[command(subcommand)]
    Card(crate::commands::card::CardCommand),
    /// The platform's IPs, a network check of the callback, API quotas, request ids.
    #[command(subcommand)]
    Misc(crate::commands::misc::MiscCommand),
    /// The automatic replies set in the MP web console.
    #[command(subcommand)]
    Autoreply(crate::commands::autoreply::AutoreplyCommand),
    /// Conversion reporting for ads: user-action sets and conversions.
    #[command(subcommand)]
    Marketing(crate::commands::marketing::MarketingCommand),
    /// OCR: identity cards, bank cards, vehicle and driving licences, business licences, text,
    /// plates (an image by --url or --file).
    #[command(subcommand)]
    Ocr(crate::commands::cv::OcrCommand),
    /// Image processing: decode QR codes, double the resolution, suggest crops.
    #[command(subcommand)]
    Img(crate::commands::cv::ImgCommand),
    /// Short keys for data (shorten/gen, shorten/fetch).
    #[command(subcommand)]
    Shorturl(crate::commands::shorturl::ShorturlCommand),
    /// Drafts: add, get, update, delete, count, list.
    #[command(subcommand)]
    Draft(crate::commands::publish::DraftCommand),
    /// Free publishing of drafts: submit, status, articles, delete, list.
    #[command(subcommand)]
    Publish(crate::commands::publish::PublishCommand),
    /// Comments under an article (留言): open, close, list, elect, unelect, delete, reply,
    /// unreply.
    #[command(subcommand)]
    Comment(crate::commands::comment::CommentCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum CryptoCommand {
    /// Print the signature over Token, timestamp and nonce (msg_signature with --encrypt).
    Sign(SignArgs),
    /// Read an encrypted envelope on stdin; verify, decrypt, check the AppID; print the XML.
    Decrypt(DecryptArgs),
    /// Read a plaintext reply XML on stdin and print the encrypted reply envelope.
    Encrypt(EncryptArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The `timestamp` query parameter.
    #[arg(long, value_name = "TS")]
    pub(crate) timestamp: String,
    /// The `nonce` query parameter.
    #[arg(long, value_name = "N")]
    pub(crate) nonce: String,
    /// The `Encrypt` value: prints the msg_signature instead of the signature.
    #[arg(long, value_name = "E")]
    pub(crate) encrypt: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DecryptArgs {
    /// The `timestamp` query parameter (defaults to `TimeStamp` of a reply envelope on stdin).
    #[arg(long, value_name = "TS")]
    pub(crate) timestamp: Option<String>,
    /// The `nonce` query parameter (defaults to `Nonce` of a reply envelope on stdin).
    #[arg(long, value_name = "N")]
    pub(crate) nonce: Option<String>,
    /// The `msg_signature` query parameter (defaults to `MsgSignature` of a reply envelope).
    #[arg(long, value_name = "S")]
    pub(crate) msg_signature: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct EncryptArgs {
    /// `TimeStamp` of the envelope (default: now).
    #[arg(long, value_name = "TS")]
    pub(crate) timestamp: Option<String>,
    /// `Nonce` of the envelope (default: 10 random digits).
    #[arg(long, value_name = "N")]
    pub(crate) nonce: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Print compact JSON even on a terminal.
    #[arg(long)]
    pub(crate) compact: bool,
}
