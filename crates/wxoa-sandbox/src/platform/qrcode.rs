//! QR codes: the tickets the account created, the scene a scan pushes, whether a code still
//! works, what a follower's scan does, and how tickets, URLs and the code's image are made.

use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::platform::tokens::random_text;
use crate::state::Account;

/// Pixels per QR module in the served image.
const MODULE_PIXELS: usize = 8;

/// A QR code ticket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct QrCode {
    pub(crate) ticket: String,
    pub(crate) action_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) scene_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) scene_str: Option<String>,
    /// `None` for permanent codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expires_at: Option<i64>,
    pub(crate) url: String,
    /// When it was created (0 in state files written before it was kept).
    #[serde(default)]
    pub(crate) created_at: i64,
    /// The cards of a `QR_CARD` / `QR_MULTIPLE_CARD` code, and its `outer_str`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub(crate) cards: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub(crate) outer_str: Option<String>,
}

impl QrCode {
    /// Whether the code still works at `now` (permanent codes always do).
    pub(crate) fn is_live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|end| end > now)
    }

    /// The scene as it appears in `EventKey` (without the `qrscene_` prefix).
    pub(crate) fn scene(&self) -> String {
        match (&self.scene_str, self.scene_id) {
            (Some(s), _) => s.clone(),
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// Why a follower's scan pushes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanRefusal {
    /// No QR code of the account has this ticket.
    Unknown,
    /// The code has expired.
    Expired,
}

impl Account {
    /// A follower scans the account's QR code with `ticket`: a card code gives them its
    /// (first) card (`user_get_card`); any other pushes `SCAN` when they follow, `subscribe`
    /// with `qrscene_` when they do not yet. The fields of the push.
    pub(crate) fn scan(
        &mut self,
        ticket: &str,
        from: &str,
        now: i64,
    ) -> Result<Vec<(String, Value)>, ScanRefusal> {
        let code = self
            .qrcodes
            .get(ticket)
            .cloned()
            .ok_or(ScanRefusal::Unknown)?;
        if !code.is_live(now) {
            return Err(ScanRefusal::Expired);
        }
        let scene = code.scene();
        let fields = if let Some(card) = code.cards.first() {
            let user_code = crate::platform::card::give(&mut self.cards.codes, card, from, now);
            vec![
                ("MsgType".to_owned(), json!("event")),
                ("Event".to_owned(), json!("user_get_card")),
                ("CardId".to_owned(), json!(card)),
                ("IsGiveByFriend".to_owned(), json!(0)),
                ("UserCardCode".to_owned(), json!(user_code)),
                (
                    "OuterStr".to_owned(),
                    json!(code.outer_str.clone().unwrap_or_default()),
                ),
            ]
        } else if self.is_following(from) {
            vec![
                ("MsgType".to_owned(), json!("event")),
                ("Event".to_owned(), json!("SCAN")),
                ("EventKey".to_owned(), json!(scene)),
                ("Ticket".to_owned(), json!(code.ticket)),
            ]
        } else {
            vec![
                ("MsgType".to_owned(), json!("event")),
                ("Event".to_owned(), json!("subscribe")),
                ("EventKey".to_owned(), json!(format!("qrscene_{scene}"))),
                ("Ticket".to_owned(), json!(code.ticket)),
            ]
        };
        Ok(fields)
    }
}

/// The URL a QR code encodes.
pub(crate) fn new_url() -> String {
    format!("http://weixin.qq.com/q/{}", random_text(22))
}

/// A ticket shaped like the platform's: `gQ` and standard Base64 (so it must be URL-encoded).
pub(crate) fn new_ticket() -> String {
    let mut bytes = [0u8; 70];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "gQ{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The QR code of `text` as a JPEG: black modules on white with a 4-module quiet zone.
pub(crate) fn render(text: &str) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 8) * MODULE_PIXELS;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (x, y) = (i % width + 4, i / width + 4);
        for dy in 0..MODULE_PIXELS {
            let row = (y * MODULE_PIXELS + dy) * side + x * MODULE_PIXELS;
            if let Some(run) = pixels.get_mut(row..row + MODULE_PIXELS) {
                run.fill(0);
            }
        }
    }
    let mut jpeg = Vec::new();
    let side = u32::try_from(side).ok()?;
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode(&pixels, side, side, image::ExtendedColorType::L8)
        .ok()?;
    Some(jpeg)
}
