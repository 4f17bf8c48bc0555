//! What a third-party platform (开放平台 第三方平台, "component") receives on its
//! authorization-event URL, decrypted: the `component_verify_ticket` pushed every ten minutes
//! and the authorization changes of the accounts it manages (`spec/open-platform.md` §2).
//!
//! Every push carries `AppId` (the component's), `CreateTime` and `InfoType`; an `InfoType` this
//! module does not know (mini-program registration events, …) is kept as
//! [`AuthEvent::Unknown`] with its raw fields, so that a new one never fails to parse and the
//! push is still answered `success`.
//!
//! ```
//! use wxoa_types::component::AuthEvent;
//!
//! let xml = b"<xml><AppId>wxcomponent0000001</AppId><CreateTime>1413192605</CreateTime>\
//!     <InfoType>component_verify_ticket</InfoType>\
//!     <ComponentVerifyTicket>ticket@@@abc</ComponentVerifyTicket></xml>";
//! match AuthEvent::from_xml(xml)? {
//!     AuthEvent::VerifyTicket(ticket) => assert_eq!(ticket.ticket.expose(), "ticket@@@abc"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), wxoa_types::component::AuthEventError>(())
//! ```

use crate::ids::AppId;
use crate::secret::Secret;
use crate::xml::{self, Element, XmlError};

/// One decrypted push of the authorization-event URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthEvent {
    /// `component_verify_ticket`: the ticket that `api_component_token` needs.
    VerifyTicket(VerifyTicket),
    /// `authorized`: an account authorized the component.
    Authorized(Authorization),
    /// `updateauthorized`: an account changed the permission sets it grants.
    UpdateAuthorized(Authorization),
    /// `unauthorized`: an account withdrew its authorization.
    Unauthorized(Unauthorization),
    /// Any other `InfoType`, with every field as sent.
    Unknown {
        /// The `InfoType`.
        info_type: String,
        /// The component's AppID (`AppId`).
        component_appid: AppId,
        /// The whole document.
        raw: Element,
    },
}

/// A `component_verify_ticket` push.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyTicket {
    /// The component's AppID.
    pub component_appid: AppId,
    /// When the platform made the push (Unix seconds).
    pub create_time: u64,
    /// The ticket (`ticket@@@…`).
    pub ticket: Secret,
}

/// An `authorized` or `updateauthorized` push.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Authorization {
    /// The component's AppID.
    pub component_appid: AppId,
    /// When the platform made the push (Unix seconds).
    pub create_time: u64,
    /// The account that authorized.
    pub authorizer_appid: AppId,
    /// The code to exchange with `api_query_auth`.
    pub authorization_code: Secret,
    /// `AuthorizationCodeExpiredTime` as sent: the documentation calls it seconds, the
    /// platform's examples hold an absolute Unix time; kept raw (`None` when absent).
    pub code_expired_time: Option<u64>,
    /// The pre-authorization code the flow was started with (`PreAuthCode`), when sent.
    pub pre_auth_code: Option<Secret>,
}

/// An `unauthorized` push.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unauthorization {
    /// The component's AppID.
    pub component_appid: AppId,
    /// When the platform made the push (Unix seconds).
    pub create_time: u64,
    /// The account that withdrew its authorization.
    pub authorizer_appid: AppId,
}

/// Why a decrypted authorization-event push could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthEventError {
    /// The document is not well-formed XML within the limits.
    #[error("authorization event: {0}")]
    Xml(#[from] XmlError),
    /// A field the `InfoType` requires is absent or empty.
    #[error("authorization event {info_type}: no {field}")]
    Missing {
        /// The `InfoType` (empty when that is what is missing).
        info_type: String,
        /// The missing field.
        field: &'static str,
    },
    /// A numeric field holds something else than a non-negative integer.
    #[error("authorization event: {field} is not a number")]
    NotANumber {
        /// The field.
        field: &'static str,
    },
}

impl AuthEvent {
    /// Reads a decrypted push.
    pub fn from_xml(input: &[u8]) -> Result<Self, AuthEventError> {
        let root = xml::parse(input)?;
        let info_type = text(&root, "InfoType")
            .ok_or(AuthEventError::Missing {
                info_type: String::new(),
                field: "InfoType",
            })?
            .to_owned();
        let required = |field: &'static str| {
            text(&root, field).ok_or_else(|| AuthEventError::Missing {
                info_type: info_type.clone(),
                field,
            })
        };
        let component_appid = AppId::from(required("AppId")?);
        let create_time = number(&root, "CreateTime")?.unwrap_or(0);
        let event = match info_type.as_str() {
            "component_verify_ticket" => AuthEvent::VerifyTicket(VerifyTicket {
                component_appid,
                create_time,
                ticket: Secret::from(required("ComponentVerifyTicket")?),
            }),
            "authorized" | "updateauthorized" => {
                let authorization = Authorization {
                    component_appid,
                    create_time,
                    authorizer_appid: AppId::from(required("AuthorizerAppid")?),
                    authorization_code: Secret::from(required("AuthorizationCode")?),
                    code_expired_time: number(&root, "AuthorizationCodeExpiredTime")?,
                    pre_auth_code: text(&root, "PreAuthCode").map(Secret::from),
                };
                if info_type == "authorized" {
                    AuthEvent::Authorized(authorization)
                } else {
                    AuthEvent::UpdateAuthorized(authorization)
                }
            }
            "unauthorized" => AuthEvent::Unauthorized(Unauthorization {
                component_appid,
                create_time,
                authorizer_appid: AppId::from(required("AuthorizerAppid")?),
            }),
            _ => AuthEvent::Unknown {
                info_type,
                component_appid,
                raw: root,
            },
        };
        Ok(event)
    }

    /// The `InfoType`.
    #[must_use]
    pub fn info_type(&self) -> &str {
        match self {
            AuthEvent::VerifyTicket(_) => "component_verify_ticket",
            AuthEvent::Authorized(_) => "authorized",
            AuthEvent::UpdateAuthorized(_) => "updateauthorized",
            AuthEvent::Unauthorized(_) => "unauthorized",
            AuthEvent::Unknown { info_type, .. } => info_type,
        }
    }

    /// The component's AppID the push names (`AppId`).
    #[must_use]
    pub fn component_appid(&self) -> &AppId {
        match self {
            AuthEvent::VerifyTicket(t) => &t.component_appid,
            AuthEvent::Authorized(a) | AuthEvent::UpdateAuthorized(a) => &a.component_appid,
            AuthEvent::Unauthorized(u) => &u.component_appid,
            AuthEvent::Unknown {
                component_appid, ..
            } => component_appid,
        }
    }
}

/// The trimmed text of a child, `None` when absent or empty.
fn text<'a>(root: &'a Element, name: &str) -> Option<&'a str> {
    root.child_text(name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn number(root: &Element, field: &'static str) -> Result<Option<u64>, AuthEventError> {
    text(root, field)
        .map(|value| {
            value
                .parse::<u64>()
                .map_err(|_| AuthEventError::NotANumber { field })
        })
        .transpose()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../fixtures/inbound/component/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_ticket_push_is_read() {
        let AuthEvent::VerifyTicket(ticket) =
            AuthEvent::from_xml(&fixture("verify_ticket.xml")).unwrap()
        else {
            panic!("not a ticket");
        };
        assert_eq!(ticket.component_appid, "wx304925fbea25bcbe");
        assert_eq!(ticket.create_time, 1_413_192_605);
        assert!(ticket.ticket.expose().starts_with("ticket@@@"));
        assert!(
            !format!("{ticket:?}").contains("ticket@@@"),
            "Debug hides it"
        );
    }

    #[test]
    fn authorization_pushes_are_read() {
        let event = AuthEvent::from_xml(&fixture("authorized.xml")).unwrap();
        let AuthEvent::Authorized(a) = &event else {
            panic!("{event:?}")
        };
        assert_eq!(a.authorizer_appid, "wxf8b4f85f3a794e77");
        assert_eq!(a.code_expired_time, Some(1_413_196_205));
        assert!(
            a.authorization_code
                .expose()
                .starts_with("queryauthcode@@@")
        );
        assert!(a.pre_auth_code.is_some());
        assert_eq!(event.info_type(), "authorized");

        let event = AuthEvent::from_xml(&fixture("updateauthorized.xml")).unwrap();
        assert!(matches!(event, AuthEvent::UpdateAuthorized(_)), "{event:?}");

        let event = AuthEvent::from_xml(&fixture("unauthorized.xml")).unwrap();
        let AuthEvent::Unauthorized(u) = &event else {
            panic!("{event:?}")
        };
        assert_eq!(u.authorizer_appid, "wxf8b4f85f3a794e77");
        assert_eq!(event.component_appid(), "wx304925fbea25bcbe");
    }

    #[test]
    fn an_unknown_info_type_keeps_its_fields() {
        let xml = b"<xml><AppId>wxc</AppId><CreateTime>1</CreateTime>\
            <InfoType>notify_third_fasteregister</InfoType><status>0</status></xml>";
        let event = AuthEvent::from_xml(xml).unwrap();
        let AuthEvent::Unknown { info_type, raw, .. } = &event else {
            panic!("{event:?}")
        };
        assert_eq!(info_type, "notify_third_fasteregister");
        assert_eq!(raw.child_text("status"), Some("0"));
    }

    #[test]
    fn missing_and_malformed_fields_are_named() {
        let no_type = AuthEvent::from_xml(b"<xml><AppId>wxc</AppId></xml>").unwrap_err();
        assert_eq!(
            no_type,
            AuthEventError::Missing {
                info_type: String::new(),
                field: "InfoType"
            }
        );
        let no_ticket = AuthEvent::from_xml(
            b"<xml><AppId>wxc</AppId><InfoType>component_verify_ticket</InfoType></xml>",
        )
        .unwrap_err();
        assert!(
            matches!(
                no_ticket,
                AuthEventError::Missing {
                    field: "ComponentVerifyTicket",
                    ..
                }
            ),
            "{no_ticket:?}"
        );
        let bad_time = AuthEvent::from_xml(
            b"<xml><AppId>wxc</AppId><CreateTime>-5</CreateTime><InfoType>unauthorized</InfoType>\
              <AuthorizerAppid>wxa</AuthorizerAppid></xml>",
        )
        .unwrap_err();
        assert_eq!(
            bad_time,
            AuthEventError::NotANumber {
                field: "CreateTime"
            }
        );
        assert!(matches!(
            AuthEvent::from_xml(b"<xml><AppId>").unwrap_err(),
            AuthEventError::Xml(_)
        ));
    }
}
