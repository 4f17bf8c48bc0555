//! Account events (api-reference-2 §12): verification and naming results, the annual renewal
//! and expiry notices, store (POI) reviews, invoice authorizations, media checks and users'
//! changes to what they authorized — the payloads of those variants of
//! [`Event`](super::Event). All are notifications: the platform shows no passive reply to them.
//!
//! Where the sources spell a field in several ways (`msg` and `Msg`, `AuthorizeAppId` and
//! `AppId`, `Source` and `source`), every spelling is read.

use crate::xml_struct;

use super::fields::{Repeated, Word};

xml_struct! {
    /// When an account's verification stops being valid: until when a successful
    /// verification or naming holds (`qualification_verify_success`, `naming_verify_success`),
    /// by when the annual review is due (`annual_renew`), or when it expired
    /// (`verify_expired`).
    pub struct VerifyExpiry {
        /// Unix seconds.
        expired_time: i64 = "ExpiredTime",
    }
}

xml_struct! {
    /// A failed verification or naming (`qualification_verify_fail`, `naming_verify_fail`).
    pub struct VerifyFail {
        /// When it failed, Unix seconds.
        fail_time: i64 = "FailTime",
        /// Why (e.g. `by time`).
        fail_reason: Option<String> = "FailReason",
    }
}

xml_struct! {
    /// The review of a store (`poi_check_notify`).
    pub struct PoiCheck {
        /// The merchant's own id of the store (`sid`).
        uniq_id: Option<String> = "UniqId",
        /// The platform's id of the store.
        poi_id: Option<String> = "PoiId",
        /// `succ` or `fail`.
        result: Word = "Result",
        /// Why it failed (`msg`; some sources read `Msg`).
        msg: Option<String> = "msg" | "Msg",
    }
}

impl PoiCheck {
    /// Whether the store passed (`Result` is `succ`).
    pub fn succeeded(&self) -> bool {
        self.result.eq_ignore_ascii_case("succ")
    }
}

xml_struct! {
    /// A user's answer to an invoice authorization (`user_authorize_invoice`): one of the
    /// order ids is present.
    pub struct InvoiceAuthorization {
        /// The order the user authorized.
        succ_order_id: Option<String> = "SuccOrderId",
        /// The order the user refused.
        fail_order_id: Option<String> = "FailOrderId",
        /// The AppID that asked (`AuthorizeAppId`; some sources read `AppId`).
        app_id: Option<String> = "AuthorizeAppId" | "AppId",
        /// Where the user answered: `web`, `app`, `wxa` or `wap` (`Source` or `source`).
        source: Option<Word> = "Source" | "source",
    }
}

impl InvoiceAuthorization {
    /// Whether the user authorized the invoice (`SuccOrderId` is present).
    pub fn succeeded(&self) -> bool {
        self.succ_order_id.is_some()
    }

    /// The order the answer is about, authorized or refused.
    pub fn order_id(&self) -> Option<&str> {
        self.succ_order_id
            .as_deref()
            .or(self.fail_order_id.as_deref())
    }
}

/// The `status_code` of a media check whose URL could not be downloaded.
pub const MEDIA_UNREACHABLE: i64 = 4_294_966_288;

xml_struct! {
    /// The overall verdict of a version-2 media check.
    pub struct MediaCheckResult {
        /// `risky`, `pass` or `review`.
        suggest: Option<Word> = "suggest",
        /// The label of the risk (100 normal, 20001 politics, …).
        label: Option<i64> = "label",
    }
}

xml_struct! {
    /// What one strategy of a version-2 media check found.
    pub struct MediaCheckDetail {
        /// The strategy (`content_model`, …).
        strategy: Option<String> = "strategy",
        /// 0 when the strategy ran.
        errcode: Option<i64> = "errcode",
        /// `risky`, `pass` or `review`.
        suggest: Option<Word> = "suggest",
        /// The label of the risk.
        label: Option<i64> = "label",
        /// How confident the strategy is, 0 to 100.
        prob: Option<f64> = "prob",
    }
}

xml_struct! {
    /// The result of an asynchronous media check (`wxa_media_check`). The sources describe two
    /// versions and do not say which an Official Account receives, so both are read: version 1
    /// (`isrisky`, `extra_info_json`, `status_code`) and version 2 (`version` 2, `result`,
    /// `detail`).
    pub struct MediaCheck {
        /// Version 1: whether the media is risky (`isrisky` 0/1).
        is_risky: Option<bool> = "isrisky",
        /// Version 1: what the check was asked with, as JSON text.
        extra_info_json: Option<String> = "extra_info_json",
        /// The id of the check (`trace_id` of the request's answer).
        trace_id: Option<String> = "trace_id",
        /// Version 1: 0, or [`MEDIA_UNREACHABLE`] when the URL could not be downloaded.
        status_code: Option<i64> = "status_code",
        /// Version 1: the AppID.
        app_id: Option<String> = "appid",
        /// Version 2: `2`.
        version: Option<u32> = "version",
        /// Version 2: the overall verdict.
        result: Option<MediaCheckResult> = "result",
        /// Version 2: what each strategy found.
        detail: Repeated<MediaCheckDetail> = "detail",
        /// Version 2: 0 when the check ran.
        errcode: Option<i64> = "errcode",
        /// Version 2: the platform's message.
        errmsg: Option<String> = "errmsg",
    }
}

impl MediaCheck {
    /// Whether the media is risky: `Some(true)` risky, `Some(false)` passed, `None` when the
    /// check could not decide (`review`, an unreachable URL, or no verdict at all).
    pub fn risky(&self) -> Option<bool> {
        if self.status_code == Some(MEDIA_UNREACHABLE) {
            return None;
        }
        let suggest = self.result.as_ref().and_then(|r| r.suggest.as_deref());
        match suggest {
            Some(s) if s.eq_ignore_ascii_case("risky") => Some(true),
            Some(s) if s.eq_ignore_ascii_case("pass") => Some(false),
            Some(_) => None,
            None => self.is_risky,
        }
    }
}

xml_struct! {
    /// A user changed or withdrew what they authorized (`user_info_modified`,
    /// `user_authorization_revoke`, `user_authorization_cancellation`).
    pub struct UserAuthorizationChange {
        /// The user (`OpenID`).
        openid: Option<String> = "OpenID",
        /// The user's UnionID.
        union_id: Option<String> = "UnionID",
        /// The AppID (`AppID`).
        app_id: Option<String> = "AppID",
        /// The items withdrawn, as codes (see [`revoked_items`](Self::revoked_items)).
        revoke_info: Option<String> = "RevokeInfo",
        /// The plugin, when the change concerns one.
        plugin_id: Option<String> = "PluginID",
        /// The user's OpenPID within the plugin.
        open_pid: Option<String> = "OpenPID",
    }
}

impl UserAuthorizationChange {
    /// The codes in `RevokeInfo`: 1 plate number, 2 address, 3 invoice, 4 Bluetooth,
    /// 5 microphone, 6 nickname and avatar, 7 camera, 8 phone number, 12 WeRun, 13 location,
    /// 14 chosen image or video, 15 chosen file, 16 email, 18 chosen location, 19 keyboard
    /// nickname, 20 avatar component. Any separator between them is accepted.
    pub fn revoked_items(&self) -> Vec<u32> {
        self.revoke_info
            .as_deref()
            .unwrap_or_default()
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|code| code.parse().ok())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::xml::Element;

    fn element(xml: &str) -> Element {
        crate::xml::parse(xml.as_bytes()).unwrap()
    }

    #[test]
    fn every_spelling_of_a_field_is_read() {
        let lower = PoiCheck::take_from(&mut element(
            "<xml><Result>fail</Result><msg>bad address</msg></xml>",
        ))
        .unwrap();
        let upper = PoiCheck::take_from(&mut element(
            "<xml><Result>fail</Result><Msg>bad address</Msg></xml>",
        ))
        .unwrap();
        assert_eq!(lower, upper);
        assert_eq!(lower.msg.as_deref(), Some("bad address"));
        assert!(!lower.succeeded());
        let invoice = InvoiceAuthorization::take_from(&mut element(
            "<xml><FailOrderId>o1</FailOrderId><AppId>wx1</AppId><source>app</source></xml>",
        ))
        .unwrap();
        assert_eq!(invoice.app_id.as_deref(), Some("wx1"));
        assert_eq!(invoice.source.as_deref(), Some("app"));
        assert_eq!(
            (invoice.order_id(), invoice.succeeded()),
            (Some("o1"), false)
        );
    }

    #[test]
    fn a_media_check_says_risky_from_either_version() {
        let read = |xml: &str| MediaCheck::take_from(&mut element(xml)).unwrap().risky();
        assert_eq!(read("<xml><isrisky>1</isrisky></xml>"), Some(true));
        assert_eq!(read("<xml><isrisky>0</isrisky></xml>"), Some(false));
        assert_eq!(
            read("<xml><isrisky>0</isrisky><status_code>4294966288</status_code></xml>"),
            None
        );
        assert_eq!(
            read("<xml><version>2</version><result><suggest>risky</suggest></result></xml>"),
            Some(true)
        );
        assert_eq!(
            read("<xml><result><suggest>review</suggest></result></xml>"),
            None
        );
        assert_eq!(read("<xml></xml>"), None);
    }

    #[test]
    fn revoked_items_are_read_whatever_separates_them() {
        let change = |info: &str| UserAuthorizationChange {
            openid: None,
            union_id: None,
            app_id: None,
            revoke_info: Some(info.to_owned()),
            plugin_id: None,
            open_pid: None,
        };
        assert_eq!(change("1,6|13 ").revoked_items(), [1, 6, 13]);
        assert_eq!(change("").revoked_items(), Vec::<u32>::new());
    }
}
