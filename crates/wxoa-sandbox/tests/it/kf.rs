//! Customer-service agent accounts.

use serde_json::{Value, json};

use wxoa_sandbox::{Sandbox, Webhook};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::Reply;

use crate::support::{
    Answer, Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with, hook, json_of,
    request,
};

const ADD: &str = "/customservice/kfaccount/add";

async fn add(env: &Env, name: &str) -> Value {
    env.post(ADD, &json!({"kf_account": name, "nickname": "客服"}))
        .await
}

#[tokio::test]
async fn agents_are_added_listed_updated_and_deleted() {
    let env = env().await;
    assert_ok(&env.post(ADD, &request("kf", "kfaccount_add", &[])).await);
    let list = env.get("/cgi-bin/customservice/getkflist").await;
    assert_fixture_shape(&list, "kf", "getkflist");
    assert_eq!(list["kf_list"][0]["kf_nick"], "客服1");
    let online = env.get("/cgi-bin/customservice/getonlinekflist").await;
    assert_fixture_shape(&online, "kf", "getonlinekflist");
    let update = json!({"kf_account": "test1@test", "nickname": "新名字"});
    assert_ok(&env.post("/customservice/kfaccount/update", &update).await);
    assert_eq!(
        env.get("/cgi-bin/customservice/getkflist").await["kf_list"][0]["kf_nick"],
        "新名字"
    );
    let deleted = json_of(
        env.http
            .get(env.api("/customservice/kfaccount/del?kf_account=test1@test")),
    )
    .await;
    assert_ok(&deleted);
    assert_eq!(
        env.get("/cgi-bin/customservice/getkflist").await["kf_list"],
        json!([])
    );
}

#[tokio::test]
async fn delete_also_takes_a_json_body() {
    let env = env().await;
    add(&env, "a@test").await;
    assert_ok(
        &env.post(
            "/customservice/kfaccount/del",
            &json!({"kf_account": "a@test"}),
        )
        .await,
    );
    assert_errcode(
        &env.post(
            "/customservice/kfaccount/del",
            &json!({"kf_account": "a@test"}),
        )
        .await,
        61452,
    );
}

#[tokio::test]
async fn account_names_are_checked() {
    let env = env().await;
    assert_errcode(&env.post(ADD, &json!({"nickname": "x"})).await, 61451);
    assert_errcode(
        &env.post(ADD, &json!({"kf_account": "a@test"})).await,
        61451,
    );
    assert_errcode(&add(&env, "no-at-sign").await, 61452);
    assert_errcode(&add(&env, "abcdefghijk@test").await, 61454);
    assert_errcode(&add(&env, "a_b@test").await, 61455);
    assert_ok(&add(&env, "abcdefghij@test").await);
    assert_errcode(&add(&env, "abcdefghij@test").await, 61453);
}

#[tokio::test]
async fn an_account_has_at_most_10_agents() {
    let env = env().await;
    for i in 0..10 {
        assert_ok(&add(&env, &format!("a{i}@test")).await);
    }
    assert_errcode(&add(&env, "a10@test").await, 61456);
}

#[tokio::test]
async fn unknown_agents_are_61452() {
    let env = env().await;
    let update = json!({"kf_account": "none@test", "nickname": "x"});
    assert_errcode(
        &env.post("/customservice/kfaccount/update", &update).await,
        61452,
    );
    let invite = json!({"kf_account": "none@test", "invite_wx": "wx"});
    assert_errcode(
        &env.post("/customservice/kfaccount/inviteworker", &invite)
            .await,
        61452,
    );
}

#[tokio::test]
async fn an_invitation_waits_for_seven_days() {
    let env = env().await;
    add(&env, "test1@test").await;
    let invite = request("kf", "inviteworker", &[]);
    assert_ok(
        &env.post("/customservice/kfaccount/inviteworker", &invite)
            .await,
    );
    let list = env.get("/cgi-bin/customservice/getkflist").await;
    assert_fixture_shape(&list, "kf", "getkflist_invited");
    assert_eq!(list["kf_list"][0]["invite_status"], "waiting");
    let no_wx = json!({"kf_account": "test1@test"});
    assert_errcode(
        &env.post("/customservice/kfaccount/inviteworker", &no_wx)
            .await,
        65409,
    );
}

#[tokio::test]
async fn an_avatar_is_a_jpg_or_png() {
    let env = env().await;
    add(&env, "test1@test").await;
    let path = "/customservice/kfaccount/uploadheadimg?kf_account=test1@test";
    assert_ok(&env.upload(path, "me.png", vec![1; 100], &[]).await);
    let list = env.get("/cgi-bin/customservice/getkflist").await;
    assert!(
        list["kf_list"][0]["kf_headimgurl"]
            .as_str()
            .unwrap()
            .starts_with("http://")
    );
    assert_errcode(&env.upload(path, "me.gif", vec![1; 100], &[]).await, 61457);
    let unknown = "/customservice/kfaccount/uploadheadimg?kf_account=none@test";
    assert_errcode(
        &env.upload(unknown, "me.png", vec![1; 100], &[]).await,
        61452,
    );
}

/// `GET` of an API path with the query of a fixture, its placeholders replaced.
async fn get_with(env: &Env, path: &str, name: &str, values: &[(&str, Value)]) -> Value {
    let query = crate::support::fixture("kf", &format!("{name}.query"));
    let pairs: Vec<(String, String)> = query
        .as_object()
        .unwrap()
        .iter()
        .map(|(key, value)| {
            let value = value.as_str().unwrap();
            let value = values
                .iter()
                .find(|(placeholder, _)| *placeholder == value)
                .map_or(value, |(_, v)| v.as_str().unwrap());
            (key.clone(), value.to_owned())
        })
        .collect();
    let url = reqwest::Url::parse_with_params(&env.api(path), &pairs).unwrap();
    json_of(env.http.get(url)).await
}

#[tokio::test]
async fn sessions_are_opened_listed_and_closed() {
    let env = env().await;
    add(&env, "a1@test").await;
    add(&env, "a2@test").await;
    let openid = env.followers(1).await[0].clone();
    let values = [("KF_ACCOUNT", json!("a1@test")), ("OPENID1", json!(openid))];
    let create = request("kf", "kfsession_create", &values);
    assert_ok(&env.post("/customservice/kfsession/create", &create).await);
    assert_ok(&env.post("/customservice/kfsession/create", &create).await);

    let session = get_with(
        &env,
        "/customservice/kfsession/getsession",
        "getsession",
        &values,
    )
    .await;
    assert_fixture_shape(&session, "kf", "getsession");
    assert_eq!(session["kf_account"], "a1@test");
    assert!((session["createtime"].as_i64().unwrap() - env.sandbox.now()).abs() <= 1);
    let list = get_with(
        &env,
        "/customservice/kfsession/getsessionlist",
        "getsessionlist",
        &values,
    )
    .await;
    assert_fixture_shape(&list, "kf", "getsessionlist");
    assert_eq!(list["sessionlist"][0]["openid"], openid.as_str());

    let other = json!({"kf_account": "a2@test", "openid": openid});
    assert_errcode(
        &env.post("/customservice/kfsession/create", &other).await,
        65414,
    );
    assert_errcode(
        &env.post("/customservice/kfsession/close", &other).await,
        65413,
    );
    let close = request("kf", "kfsession_close", &values);
    assert_ok(&env.post("/customservice/kfsession/close", &close).await);
    assert_errcode(
        &env.post("/customservice/kfsession/close", &close).await,
        65413,
    );
    let session = get_with(
        &env,
        "/customservice/kfsession/getsession",
        "getsession",
        &values,
    )
    .await;
    assert_eq!(session["kf_account"], "");
    assert_eq!(session["createtime"], 0);

    let nobody = json!({"kf_account": "nobody@test", "openid": openid});
    assert_errcode(
        &env.post("/customservice/kfsession/create", &nobody).await,
        65401,
    );
    let stranger = json!({"kf_account": "a1@test", "openid": "oStranger000000000000000000"});
    assert_errcode(
        &env.post("/customservice/kfsession/create", &stranger).await,
        40003,
    );
    let missing = json_of(
        env.http
            .get(env.api("/customservice/kfsession/getsessionlist?kf_account=nobody@test")),
    )
    .await;
    assert_errcode(&missing, 65401);
}

/// A sandbox with one follower whose webhook transfers every push to customer service (to
/// `agent` when given).
async fn env_transferring_to(agent: Option<&'static str>) -> (crate::support::Hook, Env) {
    let hook = hook(move |received, _| {
        let inbound = Inbound::from_xml(received.body.as_bytes()).unwrap();
        let reply = Reply::transfer_customer_service(&inbound, agent.map(str::to_owned));
        Answer::Body(reply.to_xml().unwrap())
    })
    .await;
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .webhook(Webhook::new(&hook.url, "token")),
    )
    .await;
    (hook, env)
}

#[tokio::test]
async fn a_transfer_waits_for_an_agent_and_the_record_keeps_the_conversation() {
    let (_hook, env) = env_transferring_to(None).await;
    let start = env.sandbox.now();
    add(&env, "a1@test").await;
    let openid = env.followers(1).await[0].clone();
    env.push(
        &openid,
        json!({"MsgType": "text", "Content": "I need a human"}),
    )
    .await;
    let waiting = env.get("/customservice/kfsession/getwaitcase").await;
    assert_fixture_shape(&waiting, "kf", "getwaitcase");
    assert_eq!(waiting["count"], 1);
    assert_eq!(waiting["waitcaselist"][0]["openid"], openid.as_str());

    let take = json!({"kf_account": "a1@test", "openid": openid});
    assert_ok(&env.post("/customservice/kfsession/create", &take).await);
    assert_eq!(
        env.get("/customservice/kfsession/getwaitcase").await["count"],
        0
    );
    env.push(&openid, json!({"MsgType": "image"})).await;
    let answer = json!({"touser": openid, "msgtype": "text", "text": {"content": "Agent here"}});
    assert_ok(&env.post("/cgi-bin/message/custom/send", &answer).await);

    let end = env.sandbox.now() + 1;
    let body = request(
        "kf",
        "getmsglist",
        &[("STARTTIME", json!(start - 1)), ("ENDTIME", json!(end))],
    );
    let records = env.post("/customservice/msgrecord/getmsglist", &body).await;
    assert_fixture_shape(&records, "kf", "getmsglist");
    let lines: Vec<(i64, &str, &str)> = records["recordlist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["opercode"].as_i64().unwrap(),
                r["text"].as_str().unwrap(),
                r["worker"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (1000, "", ""),
            (2001, "I need a human", ""),
            (1001, "", "a1@test"),
            (2003, "[image]", "a1@test"),
            (2002, "Agent here", "a1@test"),
        ]
    );
    assert_eq!(records["number"], 5);

    // Pages: two records, then the rest from the msgid given back.
    let mut first = body.clone();
    first["number"] = json!(2);
    let page = env
        .post("/customservice/msgrecord/getmsglist", &first)
        .await;
    assert_eq!(page["number"], 2);
    let mut next = body.clone();
    next["msgid"] = page["msgid"].clone();
    let rest = env.post("/customservice/msgrecord/getmsglist", &next).await;
    assert_eq!(rest["number"], 3);
    assert_eq!(rest["recordlist"][0]["opercode"], 1001);

    let mut long = body.clone();
    long["endtime"] = json!(start + 86_402);
    assert_errcode(
        &env.post("/customservice/msgrecord/getmsglist", &long).await,
        65417,
    );
    let mut none = body.clone();
    none["number"] = json!(0);
    assert_errcode(
        &env.post("/customservice/msgrecord/getmsglist", &none).await,
        65416,
    );
    let mut backwards = body;
    backwards["endtime"] = json!(start - 10);
    assert_errcode(
        &env.post("/customservice/msgrecord/getmsglist", &backwards)
            .await,
        65416,
    );
}

#[tokio::test]
async fn a_transfer_to_a_named_agent_opens_the_session_at_once() {
    let (_hook, env) = env_transferring_to(Some("a1@test")).await;
    add(&env, "a1@test").await;
    let openid = env.followers(1).await[0].clone();
    env.push(&openid, json!({"MsgType": "text", "Content": "hello"}))
        .await;
    let session = json_of(env.http.get(env.api(&format!(
        "/customservice/kfsession/getsession?openid={openid}"
    ))))
    .await;
    assert_eq!(session["kf_account"], "a1@test");
    assert_eq!(
        env.get("/customservice/kfsession/getwaitcase").await["count"],
        0
    );
}
