//! What the platform says of an authorizing official account (`authorizer_info` of
//! `api_get_authorizer_info`, spec open-platform.md §3): derived from the account's AppID and
//! original id, so nothing is stored per account.

use serde_json::{Value, json};

use crate::state::Account;

/// The account's display name: `沙盒公众号` and the last four digits of its AppID.
pub(crate) fn nick_name(account: &Account) -> String {
    let tail = account
        .app_id
        .get(account.app_id.len().saturating_sub(4)..)
        .unwrap_or_default();
    format!("沙盒公众号{tail}")
}

/// `authorizer_info`: a verified service account in normal standing.
pub(crate) fn authorizer_info(account: &Account) -> Value {
    json!({
        "nick_name": nick_name(account),
        "head_img": format!("http://wx.qlogo.cn/mmopen/{}/0", account.original_id),
        "service_type_info": {"id": 2},
        "verify_type_info": {"id": 0},
        "user_name": account.original_id,
        "principal_name": "沙盒测试有限公司",
        "alias": format!("sandbox_{}", account.original_id.trim_start_matches("gh_")),
        "business_info": {
            "open_store": 0, "open_scan": 0, "open_pay": 0, "open_card": 0, "open_shake": 0
        },
        "qrcode_url": format!("http://mmbiz.qpic.cn/mmbiz_jpg/{}/0", account.original_id),
        "account_status": 1,
    })
}
