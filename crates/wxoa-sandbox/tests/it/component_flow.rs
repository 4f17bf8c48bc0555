//! The third-party platform's pushes to the authorization-event URL and the authorization
//! flow driven through the control API (spec open-platform.md §2, §11): tickets at start and
//! every 600 virtual seconds, decrypting with the component's key; an admin's consent pushes
//! `authorized` or `updateauthorized` (nothing when unchanged); revocation pushes
//! `unauthorized` and ends the tokens.

use serde_json::json;
use wxoa_sandbox::ControlError;

use crate::component::{COMPONENT, Platform, Receiver, component};
use crate::support::{assert_errcode, json_of};

#[tokio::test]
async fn the_ticket_is_pushed_at_start_signed_and_encrypted_by_the_component() {
    let platform = Platform::start().await;
    let pushes = platform.receiver.wait_on("/auth", 1).await;
    let push = &pushes[0];
    for key in ["signature", "timestamp", "nonce", "msg_signature"] {
        assert!(push.query.contains_key(key), "{key} in {:?}", push.query);
    }
    assert_eq!(push.query["encrypt_type"], "aes");
    assert!(!push.query.contains_key("openid"));
    let envelope = wxoa_types::xml::parse(push.body.as_bytes()).unwrap();
    assert_eq!(envelope.child("AppId").unwrap().text, COMPONENT);
    assert_eq!(push.field("AppId"), COMPONENT);
    assert_eq!(push.field("InfoType"), "component_verify_ticket");
    let ticket = push.field("ComponentVerifyTicket");
    assert!(ticket.starts_with("ticket@@@"));
    let events = platform
        .sandbox
        .control()
        .component_events(0)
        .await
        .unwrap();
    assert_eq!(events[0].outcome, "delivered");
}

#[tokio::test]
async fn a_ticket_is_pushed_every_600_virtual_seconds() {
    let platform = Platform::start().await;
    platform.receiver.wait_on("/auth", 1).await;
    let control = platform.sandbox.control();
    control.clock().advance(599).await.unwrap();
    assert_eq!(platform.receiver.on("/auth").len(), 1, "not due yet");
    control.clock().advance(1).await.unwrap();
    // The push that fell due is delivered before the clock's answer.
    let pushes = platform.receiver.on("/auth");
    assert_eq!(pushes.len(), 2);
    assert_ne!(
        pushes[0].field("ComponentVerifyTicket"),
        pushes[1].field("ComponentVerifyTicket")
    );
    // A jump over several due times pushes once.
    control.clock().advance(3600).await.unwrap();
    assert_eq!(platform.receiver.on("/auth").len(), 3);
}

#[tokio::test]
async fn a_ticket_push_answered_otherwise_than_success_fails_after_the_retries() {
    let receiver = Receiver::start(|_| "ok".to_owned()).await;
    let platform = Platform::with(receiver.clone(), component(&receiver, 0)).await;
    let event = platform.sandbox.control().push_ticket().await.unwrap();
    assert_eq!(event.outcome, "failed");
    assert_eq!(event.attempts.len(), 3);
    assert!(event.error.unwrap().contains("success"));
}

#[tokio::test]
async fn consent_pushes_authorized_with_the_code_and_answers_the_redirect() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(0).await;
    let pre = platform.pre_auth_code().await;
    let pre_auth_code = pre.as_str();
    let consent = platform
        .sandbox
        .control()
        .authorize(
            &app_id,
            &[1, 15],
            Some("https://saas.example/back?x=1"),
            Some(pre_auth_code),
        )
        .await
        .unwrap();
    assert_eq!(consent.info_type.as_deref(), Some("authorized"));
    let redirect = url::Url::parse(consent.redirect.as_deref().unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = redirect.query_pairs().into_owned().collect();
    assert_eq!(query["x"], "1");
    assert_eq!(query["auth_code"], consent.auth_code);
    assert_eq!(query["expires_in"], "3600");
    let pushes = platform.receiver.wait_on("/auth", 2).await;
    let push = pushes
        .iter()
        .find(|p| p.field("InfoType") == "authorized")
        .unwrap();
    assert_eq!(push.field("AuthorizerAppid"), app_id);
    assert_eq!(push.field("AuthorizationCode"), consent.auth_code);
    assert_eq!(push.field("PreAuthCode"), pre_auth_code);
    let expires: i64 = push.field("AuthorizationCodeExpiredTime").parse().unwrap();
    let created: i64 = push.field("CreateTime").parse().unwrap();
    assert_eq!(expires, created + 3600);
    assert_eq!(consent.push.unwrap().outcome, "delivered");
}

#[tokio::test]
async fn a_pre_auth_code_works_once() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(0).await;
    let pre = platform.pre_auth_code().await;
    let code = pre.as_str();
    let control = platform.sandbox.control();
    control
        .authorize(&app_id, &[1], None, Some(code))
        .await
        .unwrap();
    let again = control.authorize(&app_id, &[1], None, Some(code)).await;
    assert!(
        matches!(again, Err(ControlError::Refused { status: 400, .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn an_expired_pre_auth_code_is_refused() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(0).await;
    let pre = platform.pre_auth_code().await;
    platform.sandbox.advance_clock(1800);
    let code = pre.as_str();
    let refused = platform
        .sandbox
        .control()
        .authorize(&app_id, &[1], None, Some(code))
        .await;
    assert!(
        matches!(refused, Err(ControlError::Refused { status: 410, .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn consent_for_an_unknown_account_or_without_permission_sets_is_refused() {
    let platform = Platform::start().await;
    let control = platform.sandbox.control();
    let unknown = control
        .authorize("wx9999888877776666", &[1], None, None)
        .await;
    assert!(matches!(
        unknown,
        Err(ControlError::Refused { status: 404, .. })
    ));
    let app_id = platform.authorizer(0).await;
    let empty = control.authorize(&app_id, &[], None, None).await;
    assert!(matches!(
        empty,
        Err(ControlError::Refused { status: 400, .. })
    ));
    let bad = control.authorize(&app_id, &[0], None, None).await;
    assert!(matches!(
        bad,
        Err(ControlError::Refused { status: 400, .. })
    ));
}

#[tokio::test]
async fn a_changed_set_pushes_updateauthorized_and_an_unchanged_one_nothing() {
    let platform = Platform::start().await;
    let (app_id, _, refresh) = platform.authorized(0, &[1]).await;
    let control = platform.sandbox.control();
    let same = control.authorize(&app_id, &[1], None, None).await.unwrap();
    assert_eq!(same.info_type, None);
    assert!(same.push.is_none());
    let changed = control
        .authorize(&app_id, &[1, 2], None, None)
        .await
        .unwrap();
    assert_eq!(changed.info_type.as_deref(), Some("updateauthorized"));
    let pushes = platform.receiver.on("/auth");
    let kinds: Vec<String> = pushes.iter().map(|p| p.field("InfoType")).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "authorized").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "updateauthorized").count(),
        1,
        "{kinds:?}"
    );
    // The fresh code gives the same refresh token and the new sets.
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorization_code": changed.auth_code});
    let answer = platform
        .call("/cgi-bin/component/api_query_auth", &token, &body)
        .await;
    assert_eq!(
        answer["authorization_info"]["authorizer_refresh_token"],
        refresh.as_str()
    );
    assert_eq!(
        answer["authorization_info"]["func_info"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn revocation_pushes_unauthorized_and_ends_every_token() {
    let platform = Platform::start().await;
    let (app_id, access, refresh) = platform.authorized(0, &[1, 2]).await;
    let user_get = platform.url(&format!("/cgi-bin/user/get?access_token={access}"));
    assert!(json_of(platform.http.get(&user_get)).await["total"].is_number());
    let event = platform.sandbox.control().revoke(&app_id).await.unwrap();
    assert_eq!(event.info_type, "unauthorized");
    assert_eq!(event.outcome, "delivered");
    let push = platform.receiver.on("/auth").pop().unwrap();
    assert_eq!(push.field("InfoType"), "unauthorized");
    assert_eq!(push.field("AuthorizerAppid"), app_id);
    assert_errcode(&json_of(platform.http.get(&user_get)).await, 40001);
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorizer_appid": app_id,
                      "authorizer_refresh_token": refresh});
    let answer = platform
        .call("/cgi-bin/component/api_authorizer_token", &token, &body)
        .await;
    assert_errcode(&answer, 61023);
    let again = platform.sandbox.control().revoke(&app_id).await;
    assert!(matches!(
        again,
        Err(ControlError::Refused { status: 400, .. })
    ));
}

#[tokio::test]
async fn a_new_authorization_rotates_the_refresh_token() {
    let platform = Platform::start().await;
    let (app_id, _, old) = platform.authorized(0, &[1]).await;
    platform.sandbox.control().revoke(&app_id).await.unwrap();
    let (_, _, new) = platform.authorized(0, &[1]).await;
    assert_ne!(old, new);
    let token = platform.token().await;
    let path = "/cgi-bin/component/api_authorizer_token";
    let with = |refresh: &str| {
        json!({"component_appid": COMPONENT, "authorizer_appid": app_id,
               "authorizer_refresh_token": refresh})
    };
    assert_errcode(&platform.call(path, &token, &with(&old)).await, 61023);
    assert!(platform.call(path, &token, &with(&new)).await["authorizer_access_token"].is_string());
}

#[tokio::test]
async fn a_code_of_an_ended_authorization_is_61009() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(0).await;
    let control = platform.sandbox.control();
    let consent = control.authorize(&app_id, &[1], None, None).await.unwrap();
    control.revoke(&app_id).await.unwrap();
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorization_code": consent.auth_code});
    let answer = platform
        .call("/cgi-bin/component/api_query_auth", &token, &body)
        .await;
    assert_errcode(&answer, 61009);
}

#[tokio::test]
async fn the_control_endpoints_answer_404_without_a_component() {
    let sandbox = wxoa_sandbox::Sandbox::start().await.unwrap();
    let refused = sandbox.control().component().await;
    assert!(matches!(
        refused,
        Err(ControlError::Refused { status: 404, .. })
    ));
}

/// The authorization page at `path` with these parameters: its status and HTML.
async fn page(platform: &Platform, path: &str, query: &[(&str, &str)]) -> (u16, String) {
    let url = url::Url::parse_with_params(&platform.url(path), query).unwrap();
    let response = platform.http.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn every_authorization_page_lists_the_accounts_that_may_authorize() {
    let platform = Platform::start().await;
    let code = platform.pre_auth_code().await;
    let first = platform.authorizer(0).await;
    for path in [
        "/cgi-bin/componentloginpage",
        "/safe/bindcomponent",
        "/wxaopen/safe/bindcomponent",
    ] {
        let query = [
            ("component_appid", COMPONENT),
            ("pre_auth_code", code.as_str()),
            ("redirect_uri", "https://saas.example/back"),
        ];
        let (status, html) = page(&platform, path, &query).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert_eq!(html.matches("class=account").count(), 4, "{path}");
        assert!(html.contains(&first), "{path}");
    }
    let only = [
        ("component_appid", COMPONENT),
        ("pre_auth_code", code.as_str()),
        ("redirect_uri", "https://saas.example/back"),
        ("biz_appid", first.as_str()),
    ];
    let (_, html) = page(&platform, "/cgi-bin/componentloginpage", &only).await;
    assert_eq!(html.matches("class=account").count(), 1);
    let mini = [
        ("component_appid", COMPONENT),
        ("pre_auth_code", code.as_str()),
        ("redirect_uri", "https://saas.example/back"),
        ("auth_type", "2"),
    ];
    let (_, html) = page(&platform, "/cgi-bin/componentloginpage", &mini).await;
    assert_eq!(html.matches("class=account").count(), 0);
}

#[tokio::test]
async fn an_authorization_page_with_a_bad_parameter_shows_why() {
    let platform = Platform::start().await;
    let code = platform.pre_auth_code().await;
    let back = "https://saas.example/back?<script>";
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("component_appid", "wx9999888877776666"),
                ("pre_auth_code", &code),
                ("redirect_uri", back),
            ],
            "component_appid",
        ),
        (
            &[
                ("component_appid", COMPONENT),
                ("pre_auth_code", "preauthcode@@@x"),
                ("redirect_uri", back),
            ],
            "pre_auth_code is invalid",
        ),
        (
            &[("component_appid", COMPONENT), ("pre_auth_code", &code)],
            "redirect_uri",
        ),
        (
            &[
                ("component_appid", COMPONENT),
                ("pre_auth_code", &code),
                ("redirect_uri", back),
                ("auth_type", "9"),
            ],
            "auth_type",
        ),
        (
            &[
                ("component_appid", COMPONENT),
                ("pre_auth_code", &code),
                ("redirect_uri", back),
                ("biz_appid", "wx9999888877776666"),
            ],
            "biz_appid",
        ),
    ];
    for (query, why) in cases {
        let (status, html) = page(&platform, "/cgi-bin/componentloginpage", query).await;
        assert_eq!(status, 400, "{query:?}");
        assert!(html.contains(why), "{why}: {html}");
    }
    platform.sandbox.advance_clock(1800);
    let query = [
        ("component_appid", COMPONENT),
        ("pre_auth_code", code.as_str()),
        ("redirect_uri", back),
    ];
    let (status, html) = page(&platform, "/cgi-bin/componentloginpage", &query).await;
    assert_eq!(status, 400);
    assert!(html.contains("expired"), "{html}");
}
