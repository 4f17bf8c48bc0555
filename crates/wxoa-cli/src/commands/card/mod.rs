//! `wxoa card …` (CONTRACT §7): upload a logo, create or update a card from a JSON file in the
//! platform's shape (checked before it is sent), a QR code or a landing page handing cards out,
//! reading, listing, restocking and deleting cards, the test whitelist, article HTML and the
//! cards a follower holds. Codes are `codes.rs`, member cards `member.rs`.

mod codes;
mod member;

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use wxoa_client::api::card::{Card, CardChanges, LandingCard, LandingScene};
use wxoa_client::{Client, Error, Upload};

use crate::commands::api::{call, failure};
use crate::commands::qrcode::save_image;
use crate::config::Settings;
use crate::exit::Failure;
pub(crate) use codes::CodeCommand;
pub(crate) use member::MemberCommand;

/// `wxoa card …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CardCommand {
    /// Upload a logo (uploadimg: jpg or png, ≤ 1 MiB); prints the URL for `logo_url`.
    Logo {
        /// The image.
        file: PathBuf,
    },
    /// Create a card from a JSON file: the body of card/create (`{"card": {"card_type": …}}`),
    /// GROUPON, CASH, DISCOUNT, GIFT, GENERAL_COUPON or MEMBER_CARD; every rule is checked
    /// first.
    Create {
        /// The card (- for stdin).
        file: PathBuf,
    },
    /// A QR code handing out a card (QR_CARD).
    Qrcode(QrcodeArgs),
    /// A card as it stands (card/get).
    Get {
        /// The card.
        card_id: String,
    },
    /// The account's card ids, a page at a time (card/batchget).
    List {
        /// Where the page starts.
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// How many ids, 1..=50.
        #[arg(long, default_value_t = 50)]
        count: u32,
        /// Only cards in this status (CARD_STATUS_VERIFY_OK, …); may be repeated.
        #[arg(long)]
        status: Vec<String>,
    },
    /// Add to a card's stock, or take away with a negative number (card/modifystock).
    Stock {
        /// The card.
        card_id: String,
        /// The change, e.g. 100 or -20.
        change: i64,
    },
    /// Delete a card (card/delete); codes already handed out stay usable.
    Delete {
        /// The card.
        card_id: String,
    },
    /// Change a card from a JSON file: the body of card/update (`{"card_id": …, "groupon":
    /// {"base_info": {…}}}`, under the card's own type); every field given is checked with the
    /// rules of create, and the stock changes through `stock`, not here. Prints whether the
    /// card goes back to review (send_check).
    Update {
        /// The changes (- for stdin).
        file: PathBuf,
    },
    /// A code: read, consume, renumber, withdraw or decrypt it, or deposit custom codes
    /// (card/code/…).
    #[command(subcommand)]
    Code(CodeCommand),
    /// Member cards: the activation form, activating members, their points and balance.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Set the test whitelist: users who can take cards still in review, at most 10 OpenIDs
    /// and WeChat ids in all (card/testwhitelist/set; replaces the list).
    Whitelist {
        /// A follower's OpenID; may be repeated.
        #[arg(long)]
        openid: Vec<String>,
        /// A user's WeChat id; may be repeated.
        #[arg(long)]
        username: Vec<String>,
    },
    /// Make a landing page listing cards (card/landingpage/create); prints its URL and id.
    /// Cards with custom codes need deposited codes first.
    LandingPage(LandingArgs),
    /// The HTML that puts a card in an article's body (card/mpnews/gethtml).
    Html {
        /// The card.
        card_id: String,
    },
    /// The codes a follower holds (card/user/getcardlist).
    Held {
        /// The follower.
        openid: String,
        /// Only the codes of this card.
        #[arg(long)]
        card_id: Option<String>,
    },
}

/// Options of `wxoa card landing-page`.
#[derive(Debug, Args)]
pub(crate) struct LandingArgs {
    /// The banner image (an uploadimg URL, 640×300).
    #[arg(long)]
    banner: String,
    /// The page's title.
    #[arg(long)]
    title: String,
    /// Where the page is put: SCENE_NEAR_BY, SCENE_MENU, SCENE_QRCODE, SCENE_ARTICLE,
    /// SCENE_H5, SCENE_IVR or SCENE_CARD_CUSTOM_CELL.
    #[arg(long)]
    scene: String,
    /// A card and its thumbnail, CARD_ID=THUMB_URL; at least one, may be repeated.
    #[arg(long = "card", value_name = "CARD_ID=THUMB_URL", required = true)]
    cards: Vec<String>,
    /// The page cannot be shared.
    #[arg(long)]
    no_share: bool,
}

/// Options of `wxoa card qrcode`.
#[derive(Debug, Args)]
pub(crate) struct QrcodeArgs {
    /// The card.
    card_id: String,
    /// How long the code lives, 60..=1800 seconds (default: 365 days).
    #[arg(long, value_name = "SECS")]
    expire: Option<u32>,
    /// The card code to hand out (cards with use_custom_code).
    #[arg(long)]
    code: Option<String>,
    /// Only this follower may take the card.
    #[arg(long)]
    openid: Option<String>,
    /// The code can be scanned once only.
    #[arg(long)]
    unique: bool,
    /// A tag reported back in the user_get_card event.
    #[arg(long)]
    outer_str: Option<String>,
    /// Also save the image here, exactly as showqrcode serves it.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(crate) fn card(settings: &Settings, command: CardCommand) -> Result<(), Failure> {
    match command {
        CardCommand::Logo { file } => call(settings, |c| async move {
            let url = c.cards().upload_logo(Upload::path(file)).await?;
            Ok(json!({"logo_url": url}))
        }),
        CardCommand::Create { file } => {
            let value = read_json(&file)?;
            let card = Card::from_json(&value).map_err(failure)?;
            call(settings, |c| async move {
                let card_id = c.cards().create(card).await?;
                Ok(json!({"card_id": card_id}))
            })
        }
        CardCommand::Qrcode(args) => call(settings, |c| qrcode(c, args)),
        CardCommand::Get { card_id } => call(settings, |c| async move {
            let card = c.cards().get(card_id).await?;
            Ok(json!({"card": card}))
        }),
        CardCommand::List {
            offset,
            count,
            status,
        } => call(settings, |c| async move {
            let request = status
                .into_iter()
                .fold(c.cards().list(offset, count), |r, s| r.status(s));
            Ok(json!(request.await?))
        }),
        CardCommand::Stock { card_id, change } => call(settings, |c| async move {
            c.cards().modify_stock(card_id.as_str(), change).await?;
            Ok(json!({"card_id": card_id, "changed_by": change}))
        }),
        CardCommand::Delete { card_id } => call(settings, |c| async move {
            c.cards().delete(card_id.as_str()).await?;
            Ok(json!({"card_id": card_id, "deleted": true}))
        }),
        CardCommand::Update { file } => {
            let value = read_json(&file)?;
            let card_id = CardChanges::card_id_of(&value);
            let changes = CardChanges::from_json(&value).map_err(failure)?;
            call(settings, |c| async move {
                let updated = c.cards().update(card_id.clone(), changes).await?;
                Ok(json!({"card_id": card_id, "send_check": updated.send_check}))
            })
        }
        CardCommand::Code(command) => codes::code(settings, command),
        CardCommand::Member(command) => member::member(settings, command),
        CardCommand::Whitelist { openid, username } => call(settings, |c| async move {
            let request = openid
                .iter()
                .fold(c.cards().set_test_whitelist(), |r, o| r.openid(o.as_str()));
            username
                .iter()
                .fold(request, |r, u| r.username(u.as_str()))
                .await?;
            Ok(json!({"openid": openid, "username": username}))
        }),
        CardCommand::LandingPage(args) => landing_page(settings, args),
        CardCommand::Html { card_id } => call(settings, |c| async move {
            Ok(json!({"content": c.cards().article_html(card_id).await?}))
        }),
        CardCommand::Held { openid, card_id } => call(settings, |c| async move {
            let mut request = c.cards().held_by(openid);
            if let Some(card_id) = card_id {
                request = request.card_id(card_id);
            }
            Ok(json!(request.await?))
        }),
    }
}

/// A JSON file (- for stdin); exit 2 when it is not JSON.
pub(super) fn read_json(file: &Path) -> Result<Value, Failure> {
    let text = crate::io::read_file(file)?;
    serde_json::from_slice(&text)
        .map_err(|e| Failure::usage(anyhow::anyhow!("{} is not JSON: {e}", file.display())))
}

fn landing_page(settings: &Settings, args: LandingArgs) -> Result<(), Failure> {
    let mut cards = Vec::with_capacity(args.cards.len());
    for card in &args.cards {
        let (id, thumb) = card.split_once('=').ok_or_else(|| {
            Failure::usage(anyhow::anyhow!(
                "--card {card:?}: expected CARD_ID=THUMB_URL"
            ))
        })?;
        cards.push(LandingCard::new(id, thumb));
    }
    let mut cards = cards.into_iter();
    let Some(first) = cards.next() else {
        return Err(Failure::usage(anyhow::anyhow!("--card: at least one card")));
    };
    call(settings, |c| async move {
        let request = c.cards().create_landing_page(
            args.banner,
            args.title,
            LandingScene::from(args.scene.as_str()),
            first,
        );
        let page = cards
            .fold(request, |r, card| r.card(card))
            .can_share(!args.no_share)
            .await?;
        Ok(json!(page))
    })
}

async fn qrcode(client: Client, args: QrcodeArgs) -> Result<Value, Error> {
    let mut request = client.cards().qrcode(args.card_id);
    if let Some(seconds) = args.expire {
        request = request.expire_seconds(seconds);
    }
    if let Some(code) = args.code {
        request = request.code(code);
    }
    if let Some(openid) = args.openid {
        request = request.openid(openid);
    }
    if let Some(outer_str) = args.outer_str {
        request = request.outer_str(outer_str);
    }
    let qr = request.unique_code(args.unique).await?;
    let mut answer = match serde_json::to_value(&qr) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(out) = &args.out {
        let bytes = save_image(&client, &qr.code.ticket, out).await?;
        answer.insert("out".into(), json!(out));
        answer.insert("bytes".into(), json!(bytes));
    }
    Ok(Value::Object(answer))
}
