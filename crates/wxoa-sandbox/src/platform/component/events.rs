//! The pushes to the component's authorization-event URL (spec open-platform.md §2): the
//! plaintext XML of `component_verify_ticket`, `authorized`, `updateauthorized` and
//! `unauthorized`, each with the component's `AppId` and a `CreateTime`.

use wxoa_types::xml::{write_bare_element, write_cdata_element};

/// A push to the authorization-event URL, before encryption.
#[derive(Debug, Clone)]
pub(crate) struct PlatformEvent {
    /// `component_verify_ticket`, `authorized`, `updateauthorized` or `unauthorized`.
    pub(crate) info_type: &'static str,
    /// The authorizer it is about (none for a ticket).
    pub(crate) authorizer: Option<String>,
    pub(crate) xml: String,
}

fn open(component_app_id: &str, now: i64, info_type: &str) -> String {
    let mut xml = String::with_capacity(320);
    xml.push_str("<xml>");
    write_cdata_element(&mut xml, "AppId", component_app_id);
    write_bare_element(&mut xml, "CreateTime", now);
    write_cdata_element(&mut xml, "InfoType", info_type);
    xml
}

/// `component_verify_ticket`.
pub(crate) fn ticket(component_app_id: &str, now: i64, ticket: &str) -> PlatformEvent {
    let mut xml = open(component_app_id, now, "component_verify_ticket");
    write_cdata_element(&mut xml, "ComponentVerifyTicket", ticket);
    xml.push_str("</xml>");
    PlatformEvent {
        info_type: "component_verify_ticket",
        authorizer: None,
        xml,
    }
}

/// `authorized` or `updateauthorized`: the authorizer, its new code and when the code
/// expires (an absolute Unix time, as SDK fixtures read it), and the pre-auth code used.
pub(crate) fn authorization(
    component_app_id: &str,
    info_type: &'static str,
    now: i64,
    authorizer: &str,
    code: &str,
    code_expires_at: i64,
    pre_auth_code: &str,
) -> PlatformEvent {
    let mut xml = open(component_app_id, now, info_type);
    write_cdata_element(&mut xml, "AuthorizerAppid", authorizer);
    write_cdata_element(&mut xml, "AuthorizationCode", code);
    write_bare_element(&mut xml, "AuthorizationCodeExpiredTime", code_expires_at);
    write_cdata_element(&mut xml, "PreAuthCode", pre_auth_code);
    xml.push_str("</xml>");
    PlatformEvent {
        info_type,
        authorizer: Some(authorizer.to_owned()),
        xml,
    }
}

/// `unauthorized`.
pub(crate) fn unauthorized(component_app_id: &str, now: i64, authorizer: &str) -> PlatformEvent {
    let mut xml = open(component_app_id, now, "unauthorized");
    write_cdata_element(&mut xml, "AuthorizerAppid", authorizer);
    xml.push_str("</xml>");
    PlatformEvent {
        info_type: "unauthorized",
        authorizer: Some(authorizer.to_owned()),
        xml,
    }
}
