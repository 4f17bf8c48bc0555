//! Cards (卡券, api-reference §17 and api-reference-2 §10): upload a logo, create a card of
//! every type with a typed `base_info`, update it, a QR code or a landing page to hand cards
//! out, the cards' codes (and the codes a merchant deposits), member cards and their members,
//! the test whitelist, the HTML for articles, and the cards a follower holds.
//! This file holds the area's handle (`client.cards()`) and its limits; the bodies live in
//! [`base_info`](BaseInfo) (`base_info.rs`), the card types (`types.rs`), the requests on
//! cards once created (`manage.rs`, `update.rs`), on their codes (`codes.rs`, `deposit.rs`),
//! on member cards (`member.rs`, `member_form.rs`) and on where cards are shown (`pages.rs`).
//!
//! Checked before anything is sent (the platform's rules as the spec lists them):
//! - `logo_url` an `http(s)` URL (upload the logo with [`Cards::upload_logo`]);
//! - `brand_name` 1 to 12 characters, `title` 1 to 9, `notice` 1 to 16, `description` 1 to
//!   1024;
//! - `color` one of `Color010` … `Color102`;
//! - `sku.quantity` at most 100,000,000;
//! - `date_info` a time range that ends after it begins, or a term of at least one day;
//! - per type: GROUPON needs `deal_detail`, CASH a `reduce_cost` above 0 (cents), DISCOUNT a
//!   `discount` of 1 to 99 (percent off), GIFT `gift`, GENERAL_COUPON `default_detail`;
//! - a card QR code's `expire_seconds` 60 to 1800 (a rule of the platform's card docs, not in
//!   the spec; leave it out for a code valid 365 days);
//! - `card/update`: at least one change, each with the rules above, never the stock (`sku`:
//!   that is `modifystock`);
//! - deposited and checked codes: 1 to 100 a call, none empty;
//! - a member's custom values at most 12 bytes (4 Chinese characters), the records of a bonus
//!   or balance change at most 42 bytes (14 Chinese characters), and only with that change;
//!   points and balances not below 0; an activation form with a required or optional part, no
//!   field in both, choice fields with values;
//! - the test whitelist at most 10 users (OpenIDs and WeChat ids together);
//! - a landing page's banner and thumbnails `http(s)` URLs, a title, a known scene and at
//!   least one card.
//!
//! New cards go through review: the `card_pass_check` / `card_not_pass_check` events.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::Upload;
//! use wxoa_client::api::card::{BaseInfo, Card, CodeType, DateInfo};
//!
//! let logo_url = client.cards().upload_logo(Upload::path("logo.png")).await?;
//! let base = BaseInfo::new(logo_url, "Shop", "Deal")
//!     .code_type(CodeType::Qrcode)
//!     .color("Color010")
//!     .notice("Show at counter")
//!     .description("Terms…")
//!     .quantity(500_000)
//!     .date_info(DateInfo::range(1_700_000_000, 1_710_000_000));
//! let card_id = client.cards().create(Card::groupon(base, "One coffee")).await?;
//! let qr = client.cards().qrcode(card_id.as_str()).expire_seconds(1800).await?;
//! println!("{}", qr.show_qrcode_url);
//! # Ok(())
//! # }
//! ```

mod base_info;
mod codes;
mod deposit;
mod manage;
mod member;
mod member_form;
mod pages;
mod types;
mod update;

pub use base_info::{BaseInfo, CodeType, DateInfo};
pub use codes::{
    CodeCard, CodeInfo, ConsumeCode, Consumed, DecryptCode, GetCode, UpdateCode, WithdrawCode,
};
pub use deposit::{CheckCodes, CheckedCodes, DepositCodes, DepositCount, Deposited};
pub use manage::{
    CardDetails, CardIdPage, CardQrCode, CardQrCodeRequest, DeleteCard, GetCard, ListCards,
    ModifyStock,
};
pub use member::{
    ActivateMember, ActivationUrl, CustomValue, GetMember, MemberInfo, MemberUpdated, Notify,
    UpdateMember, UserCardStatus,
};
pub use member_form::{
    ActivationForm, ActivationInfo, CommonField, CustomFieldValue, FieldValue, FilledForm,
    FormLink, FormPart, RichField, RichFieldType, SetActivationForm,
};
pub use pages::{
    ArticleHtml, CreateLandingPage, HeldCard, HeldCards, HeldCardsRequest, LandingCard,
    LandingPage, LandingScene, SetTestWhitelist,
};
pub use types::{Card, Cash, CreateCard, Discount, GeneralCoupon, Gift, Groupon, MemberCard};
pub use update::{BaseInfoChanges, CardChanges, CardUpdated, TypeChanges, UpdateCard};

use wxoa_types::ids::CardId;

use crate::api::media::UploadImage;
use crate::api::support::invalid;
use crate::{Client, Result, Rule, Upload};

/// Longest `brand_name`, in characters.
pub const BRAND_NAME_MAX_CHARS: usize = 12;
/// Longest `title`, in characters.
pub const TITLE_MAX_CHARS: usize = 9;
/// Longest `notice`, in characters.
pub const NOTICE_MAX_CHARS: usize = 16;
/// Longest `description`, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 1024;
/// Largest `sku.quantity`.
pub const QUANTITY_MAX: u64 = 100_000_000;
/// The range of a card QR code's `expire_seconds`.
pub const QR_EXPIRE_SECONDS: std::ops::RangeInclusive<u32> = 60..=1800;
/// Most codes one `card/code/deposit` or `card/code/checkcode` names.
pub const MAX_CODES_PER_CALL: usize = 100;
/// Most users on the test whitelist, OpenIDs and WeChat ids together.
pub const MAX_TESTERS: usize = 10;
/// Longest custom value of a member card, in bytes (4 Chinese characters).
pub const CUSTOM_VALUE_MAX_BYTES: usize = 12;
/// Longest record of a member's bonus or balance change, in bytes (14 Chinese characters).
pub const RECORD_MAX_BYTES: usize = 42;

/// `value` must be an `http` or `https` URL; `field` names it in errors.
fn http_url(field: &str, value: &str) -> Result<()> {
    if url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        Ok(())
    } else {
        Err(invalid(field, Rule::HttpUrl))
    }
}

/// The card API: `client.cards()`.
#[derive(Debug, Clone)]
pub struct Cards {
    client: Client,
}

impl Client {
    /// The card API (api-reference §17).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let qr = client.cards().qrcode("p1Pj9jr90_SQRaVqYI239Ka1erkI").await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn cards(&self) -> Cards {
        Cards {
            client: self.clone(),
        }
    }
}

impl Cards {
    /// `POST /cgi-bin/media/uploadimg`: the card's logo (jpg or png, at most 1 MiB); answers
    /// the URL to use as `logo_url`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// let logo_url = client.cards().upload_logo(Upload::path("logo.png")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_logo(&self, file: Upload) -> UploadImage {
        self.client.media().upload_image(file)
    }

    /// `POST /card/create`: a new card (reviewed by the platform before it can be used);
    /// answers its id.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client, base: wxoa_client::api::card::BaseInfo) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::card::Card;
    /// let card_id = client.cards().create(Card::cash(base, 10_000, 1_000)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, card: Card) -> CreateCard {
        CreateCard {
            client: self.client.clone(),
            card,
        }
    }

    /// `POST /card/qrcode/create` (`QR_CARD`): a QR code handing out one card.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let qr = client.cards().qrcode("CARD_ID").expire_seconds(1800).outer_str("poster").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn qrcode(&self, card_id: impl Into<CardId>) -> CardQrCodeRequest {
        CardQrCodeRequest::new(self.client.clone(), card_id.into())
    }

    /// `POST /card/get`: a card as it stands (its type's fields, `base_info` with stock and
    /// status). A read: retried where safe.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let card = client.cards().get("CARD_ID").await?;
    /// println!("{} {:?}", card.card_type, card.base_info().and_then(|b| b.get("title")));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, card_id: impl Into<CardId>) -> GetCard {
        GetCard {
            client: self.client.clone(),
            card_id: card_id.into(),
        }
    }

    /// `POST /card/batchget`: a page of the account's card ids, `count` (1 to 50) from
    /// `offset`, with the total. A read.
    pub fn list(&self, offset: u32, count: u32) -> ListCards {
        ListCards {
            client: self.client.clone(),
            offset,
            count,
            status: Vec::new(),
        }
    }

    /// `POST /card/modifystock`: adds `change` to the card's stock (removes, when negative).
    /// A send: never replayed once it may have reached the platform.
    pub fn modify_stock(&self, card_id: impl Into<CardId>, change: i64) -> ModifyStock {
        ModifyStock::new(self.client.clone(), card_id.into(), change)
    }

    /// `POST /card/delete`: deletes the card (codes already handed out stay usable).
    pub fn delete(&self, card_id: impl Into<CardId>) -> DeleteCard {
        DeleteCard {
            client: self.client.clone(),
            card_id: card_id.into(),
        }
    }

    /// `POST /card/code/get`: who holds a code, when it can be used and its status. A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let code = client.cards().code("110201201245").await?;
    /// if code.can_consume {
    ///     client.cards().consume("110201201245").await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn code(&self, code: impl Into<String>) -> GetCode {
        GetCode {
            client: self.client.clone(),
            code: code.into(),
            card_id: None,
        }
    }

    /// `POST /card/code/consume`: marks a code used (at most once; the platform pushes
    /// `user_consume_card`). A send: never replayed.
    pub fn consume(&self, code: impl Into<String>) -> ConsumeCode {
        ConsumeCode {
            client: self.client.clone(),
            code: code.into(),
            card_id: None,
        }
    }

    /// `POST /card/code/update`: gives a code a new value (a custom code reissued, say). A
    /// send: never replayed.
    pub fn update_code(&self, code: impl Into<String>, new_code: impl Into<String>) -> UpdateCode {
        UpdateCode {
            client: self.client.clone(),
            code: code.into(),
            new_code: new_code.into(),
            card_id: None,
        }
    }

    /// `POST /card/code/unavailable`: withdraws a code so that it can no longer be used. A
    /// send: never replayed.
    pub fn withdraw_code(&self, code: impl Into<String>) -> WithdrawCode {
        WithdrawCode {
            client: self.client.clone(),
            code: code.into(),
            card_id: None,
            reason: None,
        }
    }

    /// `POST /card/code/decrypt`: the plain code behind the `encrypt_code` a card's page
    /// receives. A read.
    pub fn decrypt_code(&self, encrypt_code: impl Into<String>) -> DecryptCode {
        DecryptCode {
            client: self.client.clone(),
            encrypt_code: encrypt_code.into(),
        }
    }
}
