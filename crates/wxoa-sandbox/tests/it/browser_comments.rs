//! The console's articles in a real browser (headless Chromium, as `browser.rs`): the follower
//! opens the Articles tab, reads a news mass send's article on the phone and writes a comment;
//! the account sees it through `comment/list`, elects it and replies; the article then shows
//! the comment as elected with the reply, and the reply reaches the follower's chat. The
//! screenshot goes to `target/console-comments.png`.

use serde_json::json;

use crate::browser::{demo_env, open_console, step};
use crate::comments::mass_news;
use crate::support::assert_ok;
use crate::webdriver::{Driver, Tools, target_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_comments_on_an_article_and_sees_the_authors_reply() {
    let Some(tools) = Tools::find() else {
        return;
    };
    let env = demo_env().await;
    let msg_data_id = mass_news(&env, &[("春季新品发布", 1, 0), ("幕后故事", 0, 0)]).await;

    let driver = Driver::start(&tools).await.unwrap();
    let browser = driver.session(&tools, 1440, 1000).await.unwrap();
    let b = &browser;
    let openid = open_console(b, &env).await;

    // The Articles tab lists both articles of the send; the second takes no comments.
    step(
        b,
        "the Articles tab",
        b.click("[data-tab='articles']").await,
    )
    .await;
    let first = format!(".article-item[data-article='{msg_data_id}_0']");
    let text = step(
        b,
        "the first article",
        b.wait_text(&first, "春季新品发布").await,
    )
    .await;
    assert!(text.contains("0 comments"), "{text}");
    let second = format!(".article-item[data-article='{msg_data_id}_1']");
    let text = step(
        b,
        "the second article",
        b.wait_text(&second, "幕后故事").await,
    )
    .await;
    assert!(text.contains("comments closed"), "{text}");
    step(
        b,
        "read the second",
        b.click(&format!("{second} .article-read")).await,
    )
    .await;
    step(
        b,
        "no comment box",
        b.wait_text(".comments-closed", "turned comments off").await,
    )
    .await;
    step(b, "close it", b.click("#article-close").await).await;

    // The follower reads the first article and writes a comment.
    step(
        b,
        "read the first",
        b.click(&format!("{first} .article-read")).await,
    )
    .await;
    step(
        b,
        "the article",
        b.wait_text(".article-body", "春季新品发布").await,
    )
    .await;
    step(
        b,
        "type",
        b.type_into("#comment-input", "颜色很好看，什么时候上市？")
            .await,
    )
    .await;
    step(b, "send", b.click("#comment-send").await).await;
    let mine = step(
        b,
        "the comment, as only its writer sees it",
        b.wait_text(".article-comment.mine", "什么时候上市").await,
    )
    .await;
    assert!(
        mine.contains("Only you see it until it is elected"),
        "{mine}"
    );

    // The account reads it, elects it and replies.
    let listed = env
        .post(
            "/cgi-bin/comment/list",
            &json!({"msg_data_id": msg_data_id, "index": 0, "begin": 0, "count": 10}),
        )
        .await;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["comment"][0]["openid"], openid.as_str());
    assert_eq!(
        listed["comment"][0]["content"],
        "颜色很好看，什么时候上市？"
    );
    let id = listed["comment"][0]["user_comment_id"].clone();
    let on = json!({"msg_data_id": msg_data_id, "index": 0, "user_comment_id": id});
    assert_ok(&env.post("/cgi-bin/comment/markelect", &on).await);
    let mut reply = on.clone();
    reply["content"] = json!("下周一正式上市，敬请期待！");
    assert_ok(&env.post("/cgi-bin/comment/reply/add", &reply).await);

    // Opened again, the article shows the comment elected, with the reply.
    step(b, "close", b.click("#article-close").await).await;
    step(
        b,
        "read again",
        b.click(&format!("{first} .article-read")).await,
    )
    .await;
    let elected = step(
        b,
        "the elected comment",
        b.wait_text(".article-comment.mine.elected", "下周一正式上市")
            .await,
    )
    .await;
    assert!(elected.contains("Elected"), "{elected}");
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console-comments.png"))
            .await,
    )
    .await;
    // The reply reached the follower's chat, and the list counts the comment.
    step(b, "close", b.click("#article-close").await).await;
    step(
        b,
        "the reply in the chat",
        b.wait_text(".row.account", "Reply to your comment on “春季新品发布”")
            .await,
    )
    .await;
    step(b, "the count", b.wait_text(&first, "1 comment").await).await;
    browser.quit().await.unwrap();
    drop(driver);
}
