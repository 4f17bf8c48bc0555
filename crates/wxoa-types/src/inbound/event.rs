//! Events: pushes with `MsgType` `event`, one variant per `Event` value in the spec.

use crate::xml::Element;
use crate::xml_struct;

use super::InboundError;
use super::fields::{FromField, Items, Repeated, Word};

/// An event. Event names are matched without regard to case; the original spelling is on
/// [`Inbound::event`](super::Inbound::event). A name this library does not know is
/// [`Event::Unknown`], with every field kept in [`Inbound::extra`](super::Inbound::extra).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Event {
    /// `subscribe`: a follow, plain or by scanning a parametric QR code.
    Subscribe(Subscribe),
    /// `unsubscribe`.
    Unsubscribe,
    /// `SCAN`: a follower scanned a parametric QR code.
    Scan(Scan),
    /// `LOCATION`: a periodic location report.
    Location(LocationReport),
    /// `CLICK`: a menu button of type `click`.
    Click(Click),
    /// `VIEW`: a menu button of type `view`.
    View(View),
    /// `scancode_push`.
    ScancodePush(ScanCode),
    /// `scancode_waitmsg`: as `scancode_push`, and the client waits for a reply.
    ScancodeWaitmsg(ScanCode),
    /// `pic_sysphoto`.
    PicSysphoto(Pictures),
    /// `pic_photo_or_album`.
    PicPhotoOrAlbum(Pictures),
    /// `pic_weixin`.
    PicWeixin(Pictures),
    /// `location_select`.
    LocationSelect(LocationSelect),
    /// `view_miniprogram`.
    ViewMiniprogram(ViewMiniprogram),
    /// `TEMPLATESENDJOBFINISH`: the outcome of a template message.
    TemplateSendJobFinish(TemplateSendJobFinish),
    /// `MASSSENDJOBFINISH`: the outcome of a mass send.
    MassSendJobFinish(MassSendJobFinish),
    /// `PUBLISHJOBFINISH`: the outcome of a free publish.
    PublishJobFinish(PublishJobFinish),
    /// `kf_create_session`.
    KfCreateSession(KfSession),
    /// `kf_close_session`.
    KfCloseSession(KfSession),
    /// `kf_switch_session`.
    KfSwitchSession(KfSwitchSession),
    /// `subscribe_msg_popup_event`.
    SubscribeMsgPopup(SubscribeMsgList<SubscribeMsgPopupItem>),
    /// `subscribe_msg_change_event`.
    SubscribeMsgChange(SubscribeMsgList<SubscribeMsgChangeItem>),
    /// `subscribe_msg_sent_event`.
    SubscribeMsgSent(SubscribeMsgList<SubscribeMsgSentItem>),
    /// `card_pass_check`.
    CardPassCheck(CardPassCheck),
    /// `card_not_pass_check`.
    CardNotPassCheck(CardNotPassCheck),
    /// `user_get_card`.
    UserGetCard(UserGetCard),
    /// `user_gifting_card`.
    UserGiftingCard(UserGiftingCard),
    /// `user_del_card`.
    UserDelCard(UserCard),
    /// `user_consume_card`.
    UserConsumeCard(UserConsumeCard),
    /// `user_pay_from_pay_cell`.
    UserPayFromPayCell(UserPayFromPayCell),
    /// `user_view_card`.
    UserViewCard(UserViewCard),
    /// `user_enter_session_from_card`.
    UserEnterSessionFromCard(UserCard),
    /// `update_member_card`.
    UpdateMemberCard(UpdateMemberCard),
    /// `card_sku_remind`.
    CardSkuRemind(CardSkuRemind),
    /// `card_pay_order`.
    CardPayOrder(CardPayOrder),
    /// `submit_membercard_user_info`.
    SubmitMembercardUserInfo(UserCard),
    /// An event this library does not model; its fields are kept in `Inbound::extra`.
    Unknown,
}

/// The events this library knows, with their canonical spelling.
const NAMES: &[&str] = &[
    "subscribe",
    "unsubscribe",
    "SCAN",
    "LOCATION",
    "CLICK",
    "VIEW",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "view_miniprogram",
    "TEMPLATESENDJOBFINISH",
    "MASSSENDJOBFINISH",
    "PUBLISHJOBFINISH",
    "kf_create_session",
    "kf_close_session",
    "kf_switch_session",
    "subscribe_msg_popup_event",
    "subscribe_msg_change_event",
    "subscribe_msg_sent_event",
    "card_pass_check",
    "card_not_pass_check",
    "user_get_card",
    "user_gifting_card",
    "user_del_card",
    "user_consume_card",
    "user_pay_from_pay_cell",
    "user_view_card",
    "user_enter_session_from_card",
    "update_member_card",
    "card_sku_remind",
    "card_pay_order",
    "submit_membercard_user_info",
];

/// The canonical spelling of a known event name, matched without regard to case.
pub fn canonical_name(name: &str) -> Option<&'static str> {
    NAMES.iter().copied().find(|n| n.eq_ignore_ascii_case(name))
}

impl Event {
    /// Reads the event named `name` (any case) from the remaining fields of a push.
    pub(crate) fn take_from(name: &str, e: &mut Element) -> Result<Event, InboundError> {
        let Some(canonical) = canonical_name(name) else {
            return Ok(Event::Unknown);
        };
        Ok(match canonical {
            "subscribe" => Event::Subscribe(Subscribe::take_from(e)?),
            "unsubscribe" => Event::Unsubscribe,
            "SCAN" => Event::Scan(Scan::take_from(e)?),
            "LOCATION" => Event::Location(LocationReport::take_from(e)?),
            "CLICK" => Event::Click(Click::take_from(e)?),
            "VIEW" => Event::View(View::take_from(e)?),
            "scancode_push" => Event::ScancodePush(ScanCode::take_from(e)?),
            "scancode_waitmsg" => Event::ScancodeWaitmsg(ScanCode::take_from(e)?),
            "pic_sysphoto" => Event::PicSysphoto(Pictures::take_from(e)?),
            "pic_photo_or_album" => Event::PicPhotoOrAlbum(Pictures::take_from(e)?),
            "pic_weixin" => Event::PicWeixin(Pictures::take_from(e)?),
            "location_select" => Event::LocationSelect(LocationSelect::take_from(e)?),
            "view_miniprogram" => Event::ViewMiniprogram(ViewMiniprogram::take_from(e)?),
            "TEMPLATESENDJOBFINISH" => {
                Event::TemplateSendJobFinish(TemplateSendJobFinish::take_from(e)?)
            }
            "MASSSENDJOBFINISH" => Event::MassSendJobFinish(MassSendJobFinish::take_from(e)?),
            "PUBLISHJOBFINISH" => Event::PublishJobFinish(PublishJobFinish::take_from(e)?),
            "kf_create_session" => Event::KfCreateSession(KfSession::take_from(e)?),
            "kf_close_session" => Event::KfCloseSession(KfSession::take_from(e)?),
            "kf_switch_session" => Event::KfSwitchSession(KfSwitchSession::take_from(e)?),
            "subscribe_msg_popup_event" => {
                Event::SubscribeMsgPopup(SubscribeMsgList::take_from(e, "SubscribeMsgPopupEvent")?)
            }
            "subscribe_msg_change_event" => Event::SubscribeMsgChange(SubscribeMsgList::take_from(
                e,
                "SubscribeMsgChangeEvent",
            )?),
            "subscribe_msg_sent_event" => {
                Event::SubscribeMsgSent(SubscribeMsgList::take_from(e, "SubscribeMsgSentEvent")?)
            }
            "card_pass_check" => Event::CardPassCheck(CardPassCheck::take_from(e)?),
            "card_not_pass_check" => Event::CardNotPassCheck(CardNotPassCheck::take_from(e)?),
            "user_get_card" => Event::UserGetCard(UserGetCard::take_from(e)?),
            "user_gifting_card" => Event::UserGiftingCard(UserGiftingCard::take_from(e)?),
            "user_del_card" => Event::UserDelCard(UserCard::take_from(e)?),
            "user_consume_card" => Event::UserConsumeCard(UserConsumeCard::take_from(e)?),
            "user_pay_from_pay_cell" => {
                Event::UserPayFromPayCell(UserPayFromPayCell::take_from(e)?)
            }
            "user_view_card" => Event::UserViewCard(UserViewCard::take_from(e)?),
            "user_enter_session_from_card" => {
                Event::UserEnterSessionFromCard(UserCard::take_from(e)?)
            }
            "update_member_card" => Event::UpdateMemberCard(UpdateMemberCard::take_from(e)?),
            "card_sku_remind" => Event::CardSkuRemind(CardSkuRemind::take_from(e)?),
            "card_pay_order" => Event::CardPayOrder(CardPayOrder::take_from(e)?),
            "submit_membercard_user_info" => {
                Event::SubmitMembercardUserInfo(UserCard::take_from(e)?)
            }
            _ => Event::Unknown,
        })
    }

    /// The canonical name of this event (`None` for [`Event::Unknown`]).
    pub fn name(&self) -> Option<&'static str> {
        let name = match self {
            Event::Subscribe(_) => "subscribe",
            Event::Unsubscribe => "unsubscribe",
            Event::Scan(_) => "SCAN",
            Event::Location(_) => "LOCATION",
            Event::Click(_) => "CLICK",
            Event::View(_) => "VIEW",
            Event::ScancodePush(_) => "scancode_push",
            Event::ScancodeWaitmsg(_) => "scancode_waitmsg",
            Event::PicSysphoto(_) => "pic_sysphoto",
            Event::PicPhotoOrAlbum(_) => "pic_photo_or_album",
            Event::PicWeixin(_) => "pic_weixin",
            Event::LocationSelect(_) => "location_select",
            Event::ViewMiniprogram(_) => "view_miniprogram",
            Event::TemplateSendJobFinish(_) => "TEMPLATESENDJOBFINISH",
            Event::MassSendJobFinish(_) => "MASSSENDJOBFINISH",
            Event::PublishJobFinish(_) => "PUBLISHJOBFINISH",
            Event::KfCreateSession(_) => "kf_create_session",
            Event::KfCloseSession(_) => "kf_close_session",
            Event::KfSwitchSession(_) => "kf_switch_session",
            Event::SubscribeMsgPopup(_) => "subscribe_msg_popup_event",
            Event::SubscribeMsgChange(_) => "subscribe_msg_change_event",
            Event::SubscribeMsgSent(_) => "subscribe_msg_sent_event",
            Event::CardPassCheck(_) => "card_pass_check",
            Event::CardNotPassCheck(_) => "card_not_pass_check",
            Event::UserGetCard(_) => "user_get_card",
            Event::UserGiftingCard(_) => "user_gifting_card",
            Event::UserDelCard(_) => "user_del_card",
            Event::UserConsumeCard(_) => "user_consume_card",
            Event::UserPayFromPayCell(_) => "user_pay_from_pay_cell",
            Event::UserViewCard(_) => "user_view_card",
            Event::UserEnterSessionFromCard(_) => "user_enter_session_from_card",
            Event::UpdateMemberCard(_) => "update_member_card",
            Event::CardSkuRemind(_) => "card_sku_remind",
            Event::CardPayOrder(_) => "card_pay_order",
            Event::SubmitMembercardUserInfo(_) => "submit_membercard_user_info",
            Event::Unknown => return None,
        };
        Some(name)
    }

    /// The `EventKey` of the push, for the events that carry one.
    pub fn event_key(&self) -> Option<&str> {
        match self {
            Event::Subscribe(s) => s.event_key.as_deref(),
            Event::Scan(s) => Some(&s.event_key),
            Event::Click(c) => Some(&c.key),
            Event::View(v) => Some(&v.url),
            Event::ScancodePush(s) | Event::ScancodeWaitmsg(s) => Some(&s.key),
            Event::PicSysphoto(p) | Event::PicPhotoOrAlbum(p) | Event::PicWeixin(p) => Some(&p.key),
            Event::LocationSelect(l) => Some(&l.key),
            Event::ViewMiniprogram(v) => Some(&v.page_path),
            _ => None,
        }
    }

    /// Whether the platform shows a passive reply to this event. Job and notification events
    /// (template, mass, publish, card, customer-service session, subscription notifications)
    /// should be answered with `success`; anything else is ignored by the platform.
    pub fn accepts_reply(&self) -> bool {
        matches!(
            self,
            Event::Subscribe(_)
                | Event::Scan(_)
                | Event::Location(_)
                | Event::Click(_)
                | Event::View(_)
                | Event::ScancodePush(_)
                | Event::ScancodeWaitmsg(_)
                | Event::PicSysphoto(_)
                | Event::PicPhotoOrAlbum(_)
                | Event::PicWeixin(_)
                | Event::LocationSelect(_)
                | Event::ViewMiniprogram(_)
        )
    }
}

/// The scene value of a parametric QR code, as carried by `subscribe` and `SCAN`.
fn scene_of(key: &str) -> &str {
    key.strip_prefix("qrscene_").unwrap_or(key)
}

xml_struct! {
    /// A follow. `event_key` is `qrscene_` + the scene when it came from a parametric QR code.
    pub struct Subscribe {
        /// `EventKey` as sent (`None` for a plain follow).
        event_key: Option<String> = "EventKey",
        /// QR ticket, when the follow came from a parametric QR code.
        ticket: Option<String> = "Ticket",
    }
}

impl Subscribe {
    /// The QR scene (the `EventKey` without its `qrscene_` prefix) for a follow by QR code.
    pub fn scene(&self) -> Option<&str> {
        self.event_key
            .as_deref()
            .filter(|k| k.starts_with("qrscene_"))
            .map(scene_of)
    }
}

xml_struct! {
    /// A follower scanned a parametric QR code.
    pub struct Scan {
        /// The scene value (no prefix): the decimal scene id or the scene string.
        event_key: String = "EventKey",
        /// QR ticket.
        ticket: Option<String> = "Ticket",
    }
}

xml_struct! {
    /// A periodic location report.
    pub struct LocationReport {
        /// Latitude.
        latitude: f64 = "Latitude",
        /// Longitude.
        longitude: f64 = "Longitude",
        /// Precision.
        precision: Option<f64> = "Precision",
    }
}

xml_struct! {
    /// A `click` menu button was tapped.
    pub struct Click {
        /// The button's `key`.
        key: String = "EventKey",
    }
}

xml_struct! {
    /// A `view` menu button was tapped.
    pub struct View {
        /// The target URL.
        url: String = "EventKey",
        /// The menu id, present when a conditional menu is active.
        menu_id: Option<String> = "MenuId",
    }
}

xml_struct! {
    /// What a `scancode_*` button scanned.
    pub struct ScanCodeInfo {
        /// `qrcode` or `barcode`.
        scan_type: Word = "ScanType",
        /// The decoded content.
        scan_result: String = "ScanResult",
    }
}

xml_struct! {
    /// A `scancode_push` or `scancode_waitmsg` button.
    pub struct ScanCode {
        /// The button's `key`.
        key: String = "EventKey",
        /// What was scanned.
        info: ScanCodeInfo = "ScanCodeInfo",
    }
}

xml_struct! {
    /// One picture of a `pic_*` event.
    pub struct PictureItem {
        /// MD5 of the picture.
        pic_md5_sum: Word = "PicMd5Sum",
    }
}

xml_struct! {
    /// The pictures of a `pic_*` event.
    pub struct SendPicsInfo {
        /// How many pictures.
        count: u32 = "Count",
        /// One entry per picture.
        pictures: Items<PictureItem> = "PicList",
    }
}

xml_struct! {
    /// A `pic_sysphoto`, `pic_photo_or_album` or `pic_weixin` button.
    pub struct Pictures {
        /// The button's `key`.
        key: String = "EventKey",
        /// The pictures sent.
        info: SendPicsInfo = "SendPicsInfo",
    }
}

xml_struct! {
    /// The location chosen through a `location_select` button.
    pub struct SendLocationInfo {
        /// Latitude (`Location_X`).
        latitude: f64 = "Location_X",
        /// Longitude (`Location_Y`).
        longitude: f64 = "Location_Y",
        /// Map zoom.
        scale: Option<f64> = "Scale",
        /// Address text.
        label: Option<String> = "Label",
        /// Name of the place, when one was picked.
        poiname: Option<String> = "Poiname",
    }
}

xml_struct! {
    /// A `location_select` button.
    pub struct LocationSelect {
        /// The button's `key`.
        key: String = "EventKey",
        /// The chosen location.
        info: SendLocationInfo = "SendLocationInfo",
    }
}

xml_struct! {
    /// A `miniprogram` menu button opened a mini program.
    pub struct ViewMiniprogram {
        /// The page path (`EventKey`).
        page_path: String = "EventKey",
        /// The menu id.
        menu_id: Option<String> = "MenuId",
    }
}

xml_struct! {
    /// Outcome of a template message; the `MsgID` is on `Inbound::msg_id`.
    pub struct TemplateSendJobFinish {
        /// `success`, `failed:user block` or `failed: system failed`.
        status: Word = "Status",
    }
}

/// The outcome named by [`TemplateSendJobFinish::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateStatus {
    /// Delivered.
    Success,
    /// The user refused messages from the account.
    UserBlock,
    /// Any other failure.
    SystemFailed,
    /// A status this library does not know.
    Other,
}

impl TemplateSendJobFinish {
    /// The status as an enum; spacing after `failed:` varies and is ignored.
    pub fn outcome(&self) -> TemplateStatus {
        let compact: String = self.status.chars().filter(|c| !c.is_whitespace()).collect();
        match compact.to_ascii_lowercase().as_str() {
            "success" => TemplateStatus::Success,
            "failed:userblock" => TemplateStatus::UserBlock,
            "failed:systemfailed" => TemplateStatus::SystemFailed,
            _ => TemplateStatus::Other,
        }
    }
}

xml_struct! {
    /// Originality check of one article of a mass send.
    pub struct CopyrightCheckItem {
        /// 1-based article index.
        article_idx: u32 = "ArticleIdx",
        /// Whether the sender declared it original.
        user_declare_state: Option<i64> = "UserDeclareState",
        /// Audit state.
        audit_state: Option<i64> = "AuditState",
        /// URL of the original article, when judged a reprint.
        original_article_url: Option<String> = "OriginalArticleUrl",
        /// Type of the original article.
        original_article_type: Option<i64> = "OriginalArticleType",
        /// Whether reprinting is allowed.
        can_reprint: Option<i64> = "CanReprint",
        /// Whether content must be replaced.
        need_replace_content: Option<i64> = "NeedReplaceContent",
        /// Whether the reprint source must be shown.
        need_show_reprint_source: Option<i64> = "NeedShowReprintSource",
    }
}

xml_struct! {
    /// Originality check of a mass send.
    pub struct CopyrightCheckResult {
        /// Number of articles checked.
        count: Option<u32> = "Count",
        /// One entry per article.
        results: Items<CopyrightCheckItem> = "ResultList",
        /// 1 = not a reprint, may send; 2 = a reprint, may send; 3 = a reprint, may not send.
        check_state: Option<i64> = "CheckState",
    }
}

xml_struct! {
    /// URL of one article of a mass send.
    pub struct ArticleUrlItem {
        /// 1-based article index.
        article_idx: u32 = "ArticleIdx",
        /// The article's URL.
        article_url: String = "ArticleUrl",
    }
}

xml_struct! {
    /// URLs of the articles of a mass send.
    pub struct ArticleUrlResult {
        /// Number of articles.
        count: Option<u32> = "Count",
        /// One entry per article.
        results: Items<ArticleUrlItem> = "ResultList",
    }
}

xml_struct! {
    /// Outcome of a mass send; the `MsgID` is on `Inbound::msg_id`.
    pub struct MassSendJobFinish {
        /// `send success`, `send fail` or `err(N)`.
        status: Word = "Status",
        /// Followers targeted.
        total_count: Option<u64> = "TotalCount",
        /// Followers left after filtering.
        filter_count: Option<u64> = "FilterCount",
        /// Deliveries that succeeded.
        sent_count: Option<u64> = "SentCount",
        /// Deliveries that failed.
        error_count: Option<u64> = "ErrorCount",
        /// Originality check, when the send held articles.
        copyright_check: Option<CopyrightCheckResult> = "CopyrightCheckResult",
        /// Article URLs, when the send held articles.
        article_urls: Option<ArticleUrlResult> = "ArticleUrlResult",
    }
}

impl MassSendJobFinish {
    /// The `N` of an `err(N)` status.
    pub fn error_code(&self) -> Option<u32> {
        self.status
            .trim()
            .strip_prefix("err(")
            .and_then(|s| s.strip_suffix(')'))
            .and_then(|n| n.trim().parse().ok())
    }

    /// Whether the status is `send success`.
    pub fn succeeded(&self) -> bool {
        self.status.eq_ignore_ascii_case("send success")
    }
}

xml_struct! {
    /// One published article.
    pub struct PublishedArticle {
        /// 1-based index.
        idx: u32 = "idx",
        /// Its URL.
        article_url: String = "article_url",
    }
}

xml_struct! {
    /// The published articles of a free publish.
    pub struct ArticleDetail {
        /// How many.
        count: Option<u32> = "count",
        /// One entry per article.
        articles: Repeated<PublishedArticle> = "item",
    }
}

/// Outcome of a free publish (`PublishEventInfo`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PublishJobFinish {
    /// The publish id returned by `freepublish/submit`.
    pub publish_id: String,
    /// 0 success, 1 publishing, 2 originality failure, 3 general failure, 4 rejected by review,
    /// 5 deleted by the user after success, 6 banned by the platform after success.
    pub publish_status: i64,
    /// The article id, on success.
    pub article_id: Option<String>,
    /// The articles, on success.
    pub article_detail: Option<ArticleDetail>,
    /// 1-based indexes of the failing articles (status 2 or 4).
    pub fail_idx: Vec<u32>,
    /// Any other field of `PublishEventInfo`, kept.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Element>,
}

impl PublishJobFinish {
    fn take_from(e: &mut Element) -> Result<Self, InboundError> {
        let mut info = e
            .take_child("PublishEventInfo")
            .ok_or(InboundError::MissingField {
                field: "PublishEventInfo",
            })?;
        let fail_idx = Repeated::<u32>::take(&mut info, "fail_idx")?.0;
        Ok(Self {
            publish_id: Word::from_field("publish_id", info.take_child("publish_id"))?.0,
            publish_status: i64::from_field("publish_status", info.take_child("publish_status"))?,
            article_id: Option::from_field("article_id", info.take_child("article_id"))?,
            article_detail: Option::from_field(
                "article_detail",
                info.take_child("article_detail"),
            )?,
            fail_idx,
            extra: info.children,
        })
    }
}

xml_struct! {
    /// A customer-service session was created or closed.
    pub struct KfSession {
        /// The agent account.
        kf_account: String = "KfAccount",
    }
}

xml_struct! {
    /// A customer-service session moved between agents.
    pub struct KfSwitchSession {
        /// The agent it left.
        from_kf_account: String = "FromKfAccount",
        /// The agent it went to.
        to_kf_account: String = "ToKfAccount",
    }
}

/// The `<List>` entries of a subscription-notification event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SubscribeMsgList<T> {
    /// One entry per template.
    pub list: Vec<T>,
}

impl<T: FromField> SubscribeMsgList<T> {
    fn take_from(e: &mut Element, container: &'static str) -> Result<Self, InboundError> {
        let mut group = e
            .take_child(container)
            .ok_or(InboundError::MissingField { field: container })?;
        let list = Repeated::<T>::take(&mut group, "List")?.0;
        Ok(Self { list })
    }
}

xml_struct! {
    /// One template of a `subscribe_msg_popup_event`.
    pub struct SubscribeMsgPopupItem {
        /// Template id.
        template_id: String = "TemplateId",
        /// `accept` or `reject`.
        status: Word = "SubscribeStatusString",
        /// Scene code of the popup.
        popup_scene: Option<i64> = "PopupScene",
    }
}

xml_struct! {
    /// One template of a `subscribe_msg_change_event`.
    pub struct SubscribeMsgChangeItem {
        /// Template id.
        template_id: String = "TemplateId",
        /// `accept` or `reject`.
        status: Word = "SubscribeStatusString",
    }
}

xml_struct! {
    /// One message of a `subscribe_msg_sent_event`.
    pub struct SubscribeMsgSentItem {
        /// Template id.
        template_id: String = "TemplateId",
        /// Message id.
        msg_id: Option<u64> = "MsgID",
        /// Error code (0 on success).
        error_code: Option<i64> = "ErrorCode",
        /// `success` or a description.
        error_status: Option<String> = "ErrorStatus",
    }
}

xml_struct! {
    /// A card passed review.
    pub struct CardPassCheck {
        /// Card id.
        card_id: String = "CardId",
    }
}

xml_struct! {
    /// A card failed review.
    pub struct CardNotPassCheck {
        /// Card id.
        card_id: String = "CardId",
        /// Why.
        refuse_reason: Option<String> = "RefuseReason",
    }
}

xml_struct! {
    /// A user received a card.
    pub struct UserGetCard {
        /// Card id.
        card_id: String = "CardId",
        /// Whether a friend gave it.
        is_give_by_friend: Option<bool> = "IsGiveByFriend",
        /// The giving friend's OpenID.
        friend_user_name: Option<String> = "FriendUserName",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// The code before a gift.
        old_user_card_code: Option<String> = "OldUserCardCode",
        /// Channel id of the card QR code.
        outer_id: Option<i64> = "OuterId",
        /// Channel string.
        outer_str: Option<String> = "OuterStr",
        /// Whether a deleted member card was restored.
        is_restore_member_card: Option<bool> = "IsRestoreMemberCard",
        /// Whether a friend recommended it.
        is_recommend_by_friend: Option<bool> = "IsRecommendByFriend",
        /// The user's UnionID.
        union_id: Option<String> = "UnionId",
    }
}

xml_struct! {
    /// A user gave a card to a friend.
    pub struct UserGiftingCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Whether the gift came back.
        is_return_back: Option<bool> = "IsReturnBack",
        /// The friend's OpenID.
        friend_user_name: Option<String> = "FriendUserName",
        /// Whether it was given in a group chat.
        is_chat_room: Option<bool> = "IsChatRoom",
    }
}

xml_struct! {
    /// A card event that names the card and the user's code.
    pub struct UserCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
    }
}

xml_struct! {
    /// A card was redeemed.
    pub struct UserConsumeCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// `FROM_API`, `FROM_MP`, `FROM_MOBILE_HELPER`, …
        consume_source: Option<Word> = "ConsumeSource",
        /// Store name.
        location_name: Option<String> = "LocationName",
        /// OpenID of the staff member.
        staff_open_id: Option<String> = "StaffOpenId",
        /// Verification code.
        verify_code: Option<String> = "VerifyCode",
        /// Amount note.
        remark_amount: Option<String> = "RemarkAmount",
        /// Channel string.
        outer_str: Option<String> = "OuterStr",
    }
}

xml_struct! {
    /// A payment through a card's pay cell.
    pub struct UserPayFromPayCell {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Payment transaction id.
        trans_id: Option<String> = "TransId",
        /// Store id.
        location_id: Option<i64> = "LocationId",
        /// Amount paid, in cents.
        fee: Option<i64> = "Fee",
        /// Amount before discount, in cents.
        original_fee: Option<i64> = "OriginalFee",
    }
}

xml_struct! {
    /// A user opened a card.
    pub struct UserViewCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Channel string.
        outer_str: Option<String> = "OuterStr",
    }
}

xml_struct! {
    /// Points or balance of a member card changed.
    pub struct UpdateMemberCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Change of points.
        modify_bonus: Option<i64> = "ModifyBonus",
        /// Change of balance.
        modify_balance: Option<i64> = "ModifyBalance",
    }
}

xml_struct! {
    /// A card's stock is low.
    pub struct CardSkuRemind {
        /// Card id.
        card_id: String = "CardId",
        /// Description.
        detail: Option<String> = "Detail",
    }
}

xml_struct! {
    /// A coin order of the card system.
    pub struct CardPayOrder {
        /// Order id.
        order_id: String = "OrderId",
        /// Order status.
        status: Option<Word> = "Status",
        /// When the order was created.
        create_order_time: Option<i64> = "CreateOrderTime",
        /// When it was paid.
        pay_finish_time: Option<i64> = "PayFinishTime",
        /// Description.
        desc: Option<String> = "Desc",
        /// Free coins.
        free_coin_count: Option<String> = "FreeCoinCount",
        /// Paid coins.
        pay_coin_count: Option<String> = "PayCoinCount",
        /// Refunded free coins.
        refund_free_coin_count: Option<String> = "RefundFreeCoinCount",
        /// Refunded paid coins.
        refund_pay_coin_count: Option<String> = "RefundPayCoinCount",
        /// Order type.
        order_type: Option<Word> = "OrderType",
        /// Memo.
        memo: Option<String> = "Memo",
        /// Receipt information.
        receipt_info: Option<String> = "ReceiptInfo",
    }
}
