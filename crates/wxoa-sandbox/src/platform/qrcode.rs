//! QR codes: the tickets the account created, the rules of `qrcode/create` (actions, scenes,
//! lifetimes, the permanent codes' limit), the scene a scan pushes, whether a code still
//! works, what a follower's scan does, and how tickets, URLs and the code's image are made.

use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::tokens::random_text;
use crate::state::{Account, State};

/// Pixels per QR module in the served image.
const MODULE_PIXELS: usize = 8;
/// Lifetime of a temporary code when `expire_seconds` is absent.
const DEFAULT_EXPIRE: i64 = 30;
/// Longest lifetime of a temporary code (longer requests are cut to it).
const MAX_EXPIRE: i64 = 2_592_000;
/// Largest scene id of a permanent code, and most permanent codes per account.
const MAX_PERMANENT: i64 = 100_000;
/// Longest `scene_str`, characters.
const MAX_SCENE_STR: usize = 64;

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

/// A code as `qrcode/create` answers it: its ticket and URL, and the seconds a temporary one
/// lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Created {
    pub(crate) ticket: String,
    pub(crate) url: String,
    pub(crate) expire_seconds: Option<i64>,
}

/// Why a follower's scan pushes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanRefusal {
    /// No QR code of the account has this ticket.
    Unknown,
    /// The code has expired.
    Expired,
    /// The code's card is not approved and the follower is not on the test whitelist.
    CardNotApproved,
}

impl Account {
    /// `qrcode/create`: `action_name` QR_SCENE or QR_STR_SCENE (temporary: 30 s by default,
    /// at most 30 days, a scene id of 1 to 2³² − 1) or QR_LIMIT_SCENE or QR_LIMIT_STR_SCENE
    /// (permanent: a scene id of 1 to 100,000, at most 100,000 codes: 45029), `scene_str` of 1
    /// to 64 characters (40053 otherwise). The same permanent code again answers the one made;
    /// codes expired for a day are forgotten.
    pub(crate) fn create_qrcode(
        &mut self,
        action: String,
        action_info: Option<&Value>,
        expire_seconds: Option<&Value>,
        now: i64,
    ) -> Result<Created, ApiError> {
        let (permanent, by_string) = match action.as_str() {
            "QR_SCENE" => (false, false),
            "QR_STR_SCENE" => (false, true),
            "QR_LIMIT_SCENE" => (true, false),
            "QR_LIMIT_STR_SCENE" => (true, true),
            _ => return Err(ApiError::msg(40053, "invalid action info")),
        };
        let scene = action_info
            .and_then(|i| i.get("scene"))
            .cloned()
            .unwrap_or(Value::Null);
        let (scene_id, scene_str) = if by_string {
            let text = scene
                .get("scene_str")
                .and_then(Value::as_str)
                .filter(|s| (1..=MAX_SCENE_STR).contains(&s.chars().count()))
                .ok_or_else(|| ApiError::msg(40053, "invalid action info: scene_str"))?;
            (None, Some(text.to_owned()))
        } else {
            let id = scene
                .get("scene_id")
                .and_then(lenient_i64)
                .filter(|&id| {
                    if permanent {
                        (1..=MAX_PERMANENT).contains(&id)
                    } else {
                        (1..=i64::from(u32::MAX)).contains(&id)
                    }
                })
                .ok_or_else(|| ApiError::msg(40053, "invalid action info: scene_id"))?;
            (Some(id), None)
        };
        self.qrcodes.retain(|_, c| {
            c.expires_at
                .is_none_or(|end| end.saturating_add(86_400) > now)
        });
        if permanent {
            let existing = self.qrcodes.values().find(|c| {
                c.expires_at.is_none()
                    && c.action_name == action
                    && c.scene_id == scene_id
                    && c.scene_str == scene_str
            });
            if let Some(code) = existing {
                return Ok(Created {
                    ticket: code.ticket.clone(),
                    url: code.url.clone(),
                    expire_seconds: None,
                });
            }
            let count = self
                .qrcodes
                .values()
                .filter(|c| c.expires_at.is_none())
                .count();
            if count as i64 >= MAX_PERMANENT {
                return Err(ApiError::msg(45029, "qrcode count out of limit"));
            }
        }
        let expire = if permanent {
            None
        } else {
            let asked = expire_seconds
                .and_then(lenient_i64)
                .filter(|&e| e > 0)
                .unwrap_or(DEFAULT_EXPIRE);
            Some(asked.min(MAX_EXPIRE))
        };
        let code = QrCode {
            ticket: new_ticket(),
            action_name: action,
            scene_id,
            scene_str,
            expires_at: expire.map(|e| now.saturating_add(e)),
            url: new_url(),
            created_at: now,
            cards: Vec::new(),
            outer_str: None,
        };
        let created = Created {
            ticket: code.ticket.clone(),
            url: code.url.clone(),
            expire_seconds: expire,
        };
        self.qrcodes.insert(code.ticket.clone(), code);
        Ok(created)
    }

    /// The account's live QR codes, newest first.
    pub(crate) fn live_qrcodes(&self, now: i64) -> Vec<&QrCode> {
        let mut codes: Vec<&QrCode> = self.qrcodes.values().filter(|c| c.is_live(now)).collect();
        codes.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.ticket.cmp(&b.ticket))
        });
        codes
    }

    /// A follower scans the account's QR code with `ticket`: a card code gives them its
    /// (first) card (`user_get_card`; a card not approved only to a user on the test
    /// whitelist); any other pushes `SCAN` when they follow, `subscribe`
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
            if !self.can_take_card(card, from) {
                return Err(ScanRefusal::CardNotApproved);
            }
            let user_code = self.cards.give(card, from, now);
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

impl State {
    /// A follower scans the QR code with `ticket`, whichever account made it (see
    /// [`Account::scan`]): that account's AppID and the fields of the push.
    pub(crate) fn scan(
        &mut self,
        ticket: &str,
        from: &str,
        now: i64,
    ) -> Result<(String, Vec<(String, Value)>), ScanRefusal> {
        let account = self
            .accounts
            .iter_mut()
            .find(|a| a.qrcodes.contains_key(ticket))
            .ok_or(ScanRefusal::Unknown)?;
        let fields = account.scan(ticket, from, now)?;
        Ok((account.app_id.clone(), fields))
    }

    /// The URL a live QR code of any account encodes, by its ticket.
    pub(crate) fn live_qr_url(&self, ticket: &str, now: i64) -> Option<&str> {
        self.accounts.iter().find_map(|a| {
            a.qrcodes
                .get(ticket)
                .filter(|c| c.is_live(now))
                .map(|c| c.url.as_str())
        })
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
