//! The 全网发布 release test run by the sandbox (spec open-platform.md §9, §11), against a
//! receiver answering `success` to everything: the cases it pushes (a ticket, `authorized`
//! with a `queryauthcode@@@…` code, the two texts to the component's message URL for the test
//! account, the legacy event, `unauthorized`), each judged with its reason; and the requests
//! it refuses. Components built with this workspace's webhook pass it (`crates/wxoa/tests`).

use std::time::Duration;

use wxoa_sandbox::control::ReleaseTestOptions;
use wxoa_sandbox::{Component, ControlError};

use crate::component::{AES_KEY, COMPONENT, Platform, Receiver, SECRET, TOKEN};

const TEST_OA: &str = "wx570bc396a51b8ff8";

#[tokio::test]
async fn each_case_is_judged_with_its_reason() {
    let platform = Platform::start().await;
    let options = ReleaseTestOptions::default()
        .authorizer(TEST_OA)
        .window(Duration::from_millis(300))
        .legacy_event(true);
    let report = platform
        .sandbox
        .control()
        .release_test(&options)
        .await
        .unwrap();
    assert!(!report.passed);
    assert_eq!(report.authorizer_appid, TEST_OA);
    assert_eq!(report.original_id, "gh_3c884a361561");
    let verdicts: Vec<(&str, bool)> = report
        .cases
        .iter()
        .map(|c| (c.name.as_str(), c.passed))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("ticket", true),
            ("authorization", true),
            ("passive_text", false),
            ("api_text", false),
            ("event", false),
            ("unauthorization", true),
        ],
        "{report:#?}"
    );
    let reason = |name: &str| report.case(name).unwrap().reason.clone();
    assert!(
        reason("passive_text").contains("answered empty"),
        "{report:#?}"
    );
    assert!(
        reason("api_text").contains("no customer-service message")
            && reason("api_text").contains("300 ms"),
        "{report:#?}"
    );
    assert!(
        reason("event").contains("LOCATIONfrom_callback"),
        "{report:#?}"
    );

    // What the receiver got: the authorization with a query_auth_code, the cases on the
    // test account's message URL (its original id, the component's crypto), the revocation.
    let auth = platform.receiver.on("/auth");
    let authorized = auth
        .iter()
        .find(|g| g.field("InfoType") == "authorized")
        .expect("authorized pushed");
    assert_eq!(authorized.field("AuthorizerAppid"), TEST_OA);
    let code = authorized.field("AuthorizationCode");
    assert!(code.starts_with("queryauthcode@@@"), "{code}");
    assert_eq!(
        auth.last().unwrap().field("InfoType"),
        "unauthorized",
        "the account revokes last"
    );
    let messages = platform.receiver.on(&format!("/msg/{TEST_OA}/callback"));
    let contents: Vec<String> = messages.iter().map(|g| g.field("Content")).collect();
    assert_eq!(
        contents,
        [
            "TESTCOMPONENT_MSG_TYPE_TEXT".to_owned(),
            format!("QUERY_AUTH_CODE:{code}"),
            String::new(),
        ]
    );
    assert_eq!(messages[2].field("Event"), "LOCATION");
    assert!(
        messages
            .iter()
            .all(|g| g.field("ToUserName") == "gh_3c884a361561")
    );
    // The test account is no longer authorized; its code no longer works.
    let accounts = platform
        .sandbox
        .control()
        .authorizers(0, 100)
        .await
        .unwrap();
    let tested = accounts
        .authorizers
        .iter()
        .find(|a| a.app_id == TEST_OA)
        .unwrap();
    assert!(!tested.authorized);
}

#[tokio::test]
async fn without_a_message_url_the_message_cases_fail() {
    let receiver = Receiver::start(|_| "success".to_owned()).await;
    let no_message_url = Component::new(COMPONENT, SECRET, TOKEN, AES_KEY)
        .auth_url(format!("{}/auth", receiver.base))
        .authorizers(1);
    let platform = Platform::with(receiver, no_message_url).await;
    let report = platform
        .sandbox
        .control()
        .release_test(&ReleaseTestOptions::default())
        .await
        .unwrap();
    for name in ["passive_text", "api_text"] {
        let case = report.case(name).unwrap();
        assert!(
            !case.passed && case.reason.contains("no message URL"),
            "{report:#?}"
        );
    }
    assert!(report.case("ticket").unwrap().passed, "{report:#?}");
    assert!(
        report.case("unauthorization").unwrap().passed,
        "{report:#?}"
    );
}

#[tokio::test]
async fn refusals_name_their_cause() {
    let platform = Platform::start().await;
    let control = platform.sandbox.control();
    let refused = |error: ControlError| match error {
        ControlError::Refused {
            status, message, ..
        } => (status, message),
        other => panic!("{other:?}"),
    };
    let other = ReleaseTestOptions::default().authorizer("wx0000000000000001");
    let (status, message) = refused(control.release_test(&other).await.unwrap_err());
    assert_eq!(status, 400);
    assert!(
        message.contains("not one of the release test's"),
        "{message}"
    );
    let long = ReleaseTestOptions::default().window(Duration::from_secs(600));
    let (status, message) = refused(control.release_test(&long).await.unwrap_err());
    assert_eq!(status, 400);
    assert!(message.contains("window_ms"), "{message}");
    // A sandbox that plays no component has no release test.
    let plain = wxoa_sandbox::Sandbox::start().await.unwrap();
    let (status, _) = refused(
        plain
            .control()
            .release_test(&ReleaseTestOptions::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 404);
}
