//! `wxoa qrcode create --scene S [--expire SECS] [--out FILE]` (CONTRACT §7): a QR code with a
//! scene, and its image saved exactly as `showqrcode` serves it.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use wxoa_client::api::qrcode::Scene;
use wxoa_client::{Client, Error};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa qrcode …`.
#[derive(Debug, Subcommand)]
pub(crate) enum QrcodeCommand {
    /// Create a QR code: temporary with --expire, permanent without (at most 100,000 per
    /// account).
    Create(CreateArgs),
    /// Download the image of a ticket, exactly as showqrcode serves it (JPEG).
    Image {
        /// The ticket.
        ticket: String,
        /// Where to save the image.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Options of `wxoa qrcode create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The scene: a numeric scene for an integer (1..=100000 when permanent, non-zero when
    /// temporary), a string scene of 1 to 64 characters otherwise.
    #[arg(long, value_name = "S")]
    pub(crate) scene: String,
    /// A temporary code living this many seconds (1..=2592000); without it the code is
    /// permanent.
    #[arg(long, value_name = "SECS")]
    pub(crate) expire: Option<u32>,
    /// Also save the image here, exactly as showqrcode serves it.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

pub(crate) fn qrcode(settings: &Settings, command: QrcodeCommand) -> Result<(), Failure> {
    match command {
        QrcodeCommand::Create(args) => call(settings, |client| create(client, args)),
        QrcodeCommand::Image { ticket, out } => call(settings, |client| async move {
            let bytes = save_image(&client, &ticket, &out).await?;
            Ok(json!({"ticket": ticket, "out": out, "bytes": bytes}))
        }),
    }
}

async fn create(client: Client, args: CreateArgs) -> Result<Value, Error> {
    let scene = Scene::parse(&args.scene);
    let code = match args.expire {
        Some(seconds) => {
            client
                .qrcodes()
                .temporary(scene)
                .expire_seconds(seconds)
                .await?
        }
        None => client.qrcodes().permanent(scene).await?,
    };
    let mut answer = Map::new();
    answer.insert("ticket".into(), json!(code.ticket));
    answer.insert("url".into(), json!(code.url));
    answer.insert(
        "image_url".into(),
        json!(client.qrcodes().image_url(&code.ticket)),
    );
    if let Some(seconds) = code.expire_seconds {
        answer.insert("expire_seconds".into(), json!(seconds));
    }
    if let Some(out) = &args.out {
        let bytes = save_image(&client, &code.ticket, out).await?;
        answer.insert("out".into(), json!(out));
        answer.insert("bytes".into(), json!(bytes));
    }
    Ok(Value::Object(answer))
}

/// Saves the image of `ticket` at `out`; answers its size.
pub(crate) async fn save_image(
    client: &Client,
    ticket: &str,
    out: &std::path::Path,
) -> Result<u64, Error> {
    client.qrcodes().image(ticket).await?.save_as(out).await
}
