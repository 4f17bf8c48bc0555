//! Events: pushes with `MsgType` `event`, one variant per `Event` value in the spec, and their
//! kinds.

use crate::xml::Element;
use crate::xml_struct;

use super::InboundError;
use super::account_events::{
    InvoiceAuthorization, MediaCheck, PoiCheck, UserAuthorizationChange, VerifyExpiry, VerifyFail,
};
use super::card_events::{
    CardNotPassCheck, CardPassCheck, CardPayOrder, CardSkuRemind, UpdateMemberCard, UserCard,
    UserConsumeCard, UserGetCard, UserGiftingCard, UserPayFromPayCell, UserViewCard,
};
use super::fields::{FromField, Items, Repeated, Word};
use super::kind::typed_kinds;

typed_kinds! {
    /// An event. Event names are matched without regard to case; the original spelling is on
    /// [`Inbound::event`](super::Inbound::event). A name this library does not know is
    /// [`Event::Unknown`], with every field kept in [`Inbound::extra`](super::Inbound::extra).
    #[derive(Debug, Clone, PartialEq, serde::Serialize)]
    #[serde(untagged)]
    #[non_exhaustive]
    pub enum Event;
    /// What an event is, by its `Event` name: what a bot routes on. A name this library does not
    /// know is `Unknown(name)`, routable by that name (its push is [`Event::Unknown`]).
    pub enum EventKind;
    name: name;
    {
        /// `subscribe`: a follow, plain or by scanning a parametric QR code.
        Subscribe(Subscribe) = "subscribe",
        /// `unsubscribe`.
        Unsubscribe = "unsubscribe",
        /// `SCAN`: a follower scanned a parametric QR code.
        Scan(Scan) = "SCAN",
        /// `LOCATION`: a periodic location report.
        Location(LocationReport) = "LOCATION",
        /// `CLICK`: a menu button of type `click`.
        Click(Click) = "CLICK",
        /// `VIEW`: a menu button of type `view`.
        View(View) = "VIEW",
        /// `scancode_push`.
        ScancodePush(ScanCode) = "scancode_push",
        /// `scancode_waitmsg`: as `scancode_push`, and the client waits for a reply.
        ScancodeWaitmsg(ScanCode) = "scancode_waitmsg",
        /// `pic_sysphoto`.
        PicSysphoto(Pictures) = "pic_sysphoto",
        /// `pic_photo_or_album`.
        PicPhotoOrAlbum(Pictures) = "pic_photo_or_album",
        /// `pic_weixin`.
        PicWeixin(Pictures) = "pic_weixin",
        /// `location_select`.
        LocationSelect(LocationSelect) = "location_select",
        /// `view_miniprogram`.
        ViewMiniprogram(ViewMiniprogram) = "view_miniprogram",
        /// `TEMPLATESENDJOBFINISH`: the outcome of a template message.
        TemplateSendJobFinish(TemplateSendJobFinish) = "TEMPLATESENDJOBFINISH",
        /// `MASSSENDJOBFINISH`: the outcome of a mass send.
        MassSendJobFinish(MassSendJobFinish) = "MASSSENDJOBFINISH",
        /// `PUBLISHJOBFINISH`: the outcome of a free publish.
        PublishJobFinish(PublishJobFinish) = "PUBLISHJOBFINISH",
        /// `kf_create_session`.
        KfCreateSession(KfSession) = "kf_create_session",
        /// `kf_close_session`.
        KfCloseSession(KfSession) = "kf_close_session",
        /// `kf_switch_session`.
        KfSwitchSession(KfSwitchSession) = "kf_switch_session",
        /// `subscribe_msg_popup_event`.
        SubscribeMsgPopup(SubscribeMsgList<SubscribeMsgPopupItem>) = "subscribe_msg_popup_event",
        /// `subscribe_msg_change_event`.
        SubscribeMsgChange(SubscribeMsgList<SubscribeMsgChangeItem>) = "subscribe_msg_change_event",
        /// `subscribe_msg_sent_event`.
        SubscribeMsgSent(SubscribeMsgList<SubscribeMsgSentItem>) = "subscribe_msg_sent_event",
        /// `card_pass_check`.
        CardPassCheck(CardPassCheck) = "card_pass_check",
        /// `card_not_pass_check`.
        CardNotPassCheck(CardNotPassCheck) = "card_not_pass_check",
        /// `user_get_card`.
        UserGetCard(UserGetCard) = "user_get_card",
        /// `user_gifting_card`.
        UserGiftingCard(UserGiftingCard) = "user_gifting_card",
        /// `user_del_card`.
        UserDelCard(UserCard) = "user_del_card",
        /// `user_consume_card`.
        UserConsumeCard(UserConsumeCard) = "user_consume_card",
        /// `user_pay_from_pay_cell`.
        UserPayFromPayCell(UserPayFromPayCell) = "user_pay_from_pay_cell",
        /// `user_view_card`.
        UserViewCard(UserViewCard) = "user_view_card",
        /// `user_enter_session_from_card`.
        UserEnterSessionFromCard(UserCard) = "user_enter_session_from_card",
        /// `update_member_card`.
        UpdateMemberCard(UpdateMemberCard) = "update_member_card",
        /// `card_sku_remind`.
        CardSkuRemind(CardSkuRemind) = "card_sku_remind",
        /// `card_pay_order`.
        CardPayOrder(CardPayOrder) = "card_pay_order",
        /// `submit_membercard_user_info`.
        SubmitMembercardUserInfo(UserCard) = "submit_membercard_user_info",
        /// `qualification_verify_success`: the account is verified until `ExpiredTime`.
        QualificationVerifySuccess(VerifyExpiry) = "qualification_verify_success",
        /// `qualification_verify_fail`.
        QualificationVerifyFail(VerifyFail) = "qualification_verify_fail",
        /// `naming_verify_success`: the name is verified until `ExpiredTime`.
        NamingVerifySuccess(VerifyExpiry) = "naming_verify_success",
        /// `naming_verify_fail`.
        NamingVerifyFail(VerifyFail) = "naming_verify_fail",
        /// `annual_renew`: the annual review is due by `ExpiredTime`.
        AnnualRenew(VerifyExpiry) = "annual_renew",
        /// `verify_expired`: the verification expired; the account must verify again.
        VerifyExpired(VerifyExpiry) = "verify_expired",
        /// `poi_check_notify`: the review of a store.
        PoiCheckNotify(PoiCheck) = "poi_check_notify",
        /// `user_authorize_invoice`.
        UserAuthorizeInvoice(InvoiceAuthorization) = "user_authorize_invoice",
        /// `wxa_media_check`: an asynchronous media check finished.
        WxaMediaCheck(MediaCheck) = "wxa_media_check",
        /// `user_info_modified`.
        UserInfoModified(UserAuthorizationChange) = "user_info_modified",
        /// `user_authorization_revoke`.
        UserAuthorizationRevoke(UserAuthorizationChange) = "user_authorization_revoke",
        /// `user_authorization_cancellation`.
        UserAuthorizationCancellation(UserAuthorizationChange) = "user_authorization_cancellation",
    }
    unknown:
        /// An event this library does not model; its fields are kept in `Inbound::extra`.
        Unknown;
}

impl Event {
    /// Reads the event named `name` (any case) from the remaining fields of a push.
    pub(crate) fn take_from(name: &str, e: &mut Element) -> Result<Event, InboundError> {
        match EventKind::known(name) {
            Some(kind) => Ok(Event::read(kind, e)?.unwrap_or(Event::Unknown)),
            None => Ok(Event::Unknown),
        }
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
    /// (template, mass, publish, card, customer-service session, subscription notifications,
    /// account events) should be answered with `success`; anything else is ignored.
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
            .and_then(|k| k.strip_prefix("qrscene_"))
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

/// An entry of a subscription-notification event, and the group its `<List>` entries sit in.
pub trait SubscribeMsgItem: FromField {
    /// The XML name of the group (`SubscribeMsgPopupEvent`, …).
    const GROUP: &'static str;
}

impl<T: SubscribeMsgItem> SubscribeMsgList<T> {
    fn take_from(e: &mut Element) -> Result<Self, InboundError> {
        let mut group = e
            .take_child(T::GROUP)
            .ok_or(InboundError::MissingField { field: T::GROUP })?;
        let list = Repeated::<T>::take(&mut group, "List")?.0;
        Ok(Self { list })
    }
}

impl SubscribeMsgItem for SubscribeMsgPopupItem {
    const GROUP: &'static str = "SubscribeMsgPopupEvent";
}

impl SubscribeMsgItem for SubscribeMsgChangeItem {
    const GROUP: &'static str = "SubscribeMsgChangeEvent";
}

impl SubscribeMsgItem for SubscribeMsgSentItem {
    const GROUP: &'static str = "SubscribeMsgSentEvent";
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
