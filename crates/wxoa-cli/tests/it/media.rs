//! CONTRACT §7 `wxoa media upload|download` against the sandbox.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::mpsc;
use wxoa_sandbox::control::Scripted;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr};

const UPLOAD: &str = "/cgi-bin/media/upload";
const ADD: &str = "/cgi-bin/material/add_material";
const GET: &str = "/cgi-bin/media/get";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0 a photo";

#[test]
fn upload_sends_the_file_as_the_media_field_with_its_kind_from_the_extension() {
    let env = Env::new(0);
    env.answer(UPLOAD, api_fixture("media", "upload.response.json"));
    let file = env.dir.path().join("photo.jpg");
    std::fs::write(&file, JPEG).unwrap();
    let answer = env.json(&["media", "upload", file.to_str().unwrap()]);
    assert_eq!(answer["media_id"], "MEDIA_ID_OF_64_CHARACTERS");
    let request = env.sandbox.requests(UPLOAD).pop().unwrap();
    assert_eq!(request.query["type"], "image");
    let media = request.field("media").unwrap();
    assert_eq!(media.file_name.as_deref(), Some("photo.jpg"));
    assert_eq!(media.data.as_ref(), JPEG);
}

#[test]
fn a_permanent_video_goes_with_its_description() {
    let env = Env::new(0);
    env.answer(
        ADD,
        api_fixture("material", "add_material_voice.response.json"),
    );
    let file = env.dir.path().join("clip.mp4");
    std::fs::write(&file, b"\0\0\0\x18ftypmp42").unwrap();
    env.json(&[
        "media",
        "upload",
        file.to_str().unwrap(),
        "--permanent",
        "--title",
        "TITLE",
        "--introduction",
        "INTRODUCTION",
    ]);
    let request = env.sandbox.requests(ADD).pop().unwrap();
    assert_eq!(request.query["type"], "video");
    let description: serde_json::Value =
        serde_json::from_slice(&request.field("description").unwrap().data).unwrap();
    assert_eq!(
        description,
        api_fixture("material", "add_material_video.description.json")
    );
}

#[test]
fn a_thumb_over_64_kib_is_refused_before_sending() {
    let env = Env::new(0);
    let file = env.dir.path().join("big.jpg");
    std::fs::write(&file, vec![0u8; 64 * 1024 + 1]).unwrap();
    let output = env.run(&["media", "upload", file.to_str().unwrap(), "--type", "thumb"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("media: a temporary thumb is at most 65536 bytes"));
    assert_eq!(env.calls(UPLOAD).len(), 0);
}

#[test]
fn a_missing_file_exits_2() {
    let env = Env::new(0);
    let file = env.dir.path().join("gone.png");
    let output = env.run(&["media", "upload", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("gone.png"));
    assert_eq!(env.calls(UPLOAD).len(), 0);
}

#[test]
fn download_saves_into_a_directory_created_for_it() {
    let env = Env::new(0);
    env.script(
        GET,
        &Scripted::bytes(200, JPEG)
            .header("content-type", "image/jpeg")
            .header(
                "content-disposition",
                "attachment; filename=\"MEDIA_ID.jpg\"",
            ),
    );
    let dir = env.dir.path().join("downloads/today");
    let answer = env.json(&[
        "media",
        "download",
        "MEDIA_ID",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    let saved = dir.join("MEDIA_ID.jpg");
    assert_eq!(std::fs::read(&saved).unwrap(), JPEG);
    assert_eq!(answer["path"], json!(saved));
    assert_eq!(answer["bytes"], json!(JPEG.len()));
    assert_eq!(answer["content_type"], "image/jpeg");
}

#[test]
fn download_saves_at_a_path() {
    let env = Env::new(0);
    env.script(
        GET,
        &Scripted::bytes(200, JPEG).header("content-type", "image/jpeg"),
    );
    let out = env.dir.path().join("x.jpg");
    env.json(&["media", "download", "M", "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), JPEG);
}

#[test]
fn a_video_prints_its_url() {
    let env = Env::new(0);
    env.answer(GET, api_fixture("media", "get_video.response.json"));
    let answer = env.json(&["media", "download", "VIDEO"]);
    assert_eq!(answer, json!({"video_url": "http://example.com/video.mp4"}));
}

#[test]
fn an_expired_media_exits_1() {
    let env = Env::new(0);
    env.script(
        GET,
        &Scripted::bytes(
            200,
            r#"{"errcode":40007,"errmsg":"invalid media_id"}"#.as_bytes(),
        )
        .header("content-type", "text/plain"),
    );
    let output = env.run(&[
        "media",
        "download",
        "OLD",
        "--dir",
        env.dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("errcode 40007"));
}

/// The files in `dir`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn download_never_overwrites_an_existing_file_unless_forced() {
    let env = Env::new(0);
    env.script(
        GET,
        &Scripted::bytes(200, JPEG)
            .header("content-type", "image/jpeg")
            .header(
                "content-disposition",
                "attachment; filename=\"MEDIA_ID.jpg\"",
            ),
    );
    let dir = env.dir.path().join("downloads");
    std::fs::create_dir(&dir).unwrap();
    let out = dir.join("mine.jpg");
    std::fs::write(&out, b"my own file").unwrap();
    let path = out.to_str().unwrap();

    let output = env.run(&["media", "download", "MEDIA_ID", "--out", path]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains(path) && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"my own file");

    // Under the platform's name in a directory: the same rule.
    let named = dir.join("MEDIA_ID.jpg");
    std::fs::write(&named, b"an earlier download").unwrap();
    let output = env.run(&[
        "media",
        "download",
        "MEDIA_ID",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("MEDIA_ID.jpg"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(&named).unwrap(), b"an earlier download");
    assert_eq!(listing(&dir), ["MEDIA_ID.jpg", "mine.jpg"]);

    // --force replaces both.
    let answer = env.json(&["media", "download", "MEDIA_ID", "--out", path, "--force"]);
    assert_eq!(answer["bytes"], json!(JPEG.len()));
    assert_eq!(std::fs::read(&out).unwrap(), JPEG);
    env.json(&[
        "media",
        "download",
        "MEDIA_ID",
        "--dir",
        dir.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(std::fs::read(&named).unwrap(), JPEG);
    assert_eq!(listing(&dir), ["MEDIA_ID.jpg", "mine.jpg"]);
    // Saved with the permissions of any file the user creates, not only readable by them.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let reference = env.dir.path().join("reference");
        std::fs::write(&reference, b"").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&named), mode(&reference));
    }
}

/// A piece of a streamed body: bytes, or an error that cuts the connection.
type Piece = Result<Bytes, std::io::Error>;

/// A platform whose `media/get` streams a JPEG whose body the test hands out piece by piece
/// (an `Err` cuts the connection mid-body), over a real socket.
struct Origin {
    base: String,
    body: Arc<Mutex<Option<mpsc::Receiver<Piece>>>>,
}

/// The announced length of [`Origin`]'s file.
const LENGTH: usize = 64 * 1024;

impl Origin {
    async fn start() -> Origin {
        let body: Arc<Mutex<Option<mpsc::Receiver<Piece>>>> = Arc::default();
        let served = body.clone();
        let app = axum::Router::new()
            .route(
                "/cgi-bin/stable_token",
                post(|| async {
                    axum::Json(json!({"access_token": "ORIGIN_TOKEN", "expires_in": 7200}))
                }),
            )
            .route(
                GET,
                get(move || {
                    let served = served.clone();
                    async move {
                        let receiver = served.lock().unwrap().take().unwrap();
                        let stream = futures::stream::unfold(receiver, |mut receiver| async {
                            receiver.recv().await.map(|piece| (piece, receiver))
                        });
                        axum::http::Response::builder()
                            .header("content-type", "image/jpeg")
                            .header("content-length", LENGTH.to_string())
                            .body(axum::body::Body::from_stream(stream))
                            .unwrap()
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Origin { base, body }
    }

    /// The sender of the next download's body.
    fn next_body(&self) -> mpsc::Sender<Piece> {
        let (sender, receiver) = mpsc::channel(4);
        *self.body.lock().unwrap() = Some(receiver);
        sender
    }

    /// `wxoa media download M ARGS` against the origin, on a blocking thread.
    fn download(&self, args: &[&str]) -> tokio::task::JoinHandle<std::process::Output> {
        let mut all: Vec<String> = [
            "--app-id",
            "wx00000000000000a1",
            "--app-secret",
            "origin-secret",
            "--store",
            "memory",
            "--api-base",
            &self.base,
            "media",
            "download",
            "M",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        all.extend(args.iter().map(|a| (*a).to_owned()));
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            crate::wxoa(&args, b"")
        })
    }
}

/// Waits (at most 10 s) until the download's temporary file is in `dir`.
async fn until_a_partial_file_is_in(dir: &std::path::Path) {
    for _ in 0..200 {
        if listing(dir).iter().any(|n| n.ends_with(".part")) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no partial file appeared in {}", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cut_off_midway_leaves_nothing_under_the_final_name() {
    let origin = Origin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("photo.jpg");
    let path = out.to_str().unwrap().to_owned();
    for existing in [None, Some(&b"the file before"[..])] {
        if let Some(content) = existing {
            std::fs::write(&out, content).unwrap();
        }
        let body = origin.next_body();
        let run = origin.download(&["--out", &path, "--force"]);
        body.send(Ok(Bytes::from(vec![7u8; 1024]))).await.unwrap();
        until_a_partial_file_is_in(dir.path()).await;
        body.send(Err(std::io::Error::other("cut"))).await.unwrap();
        let output = run.await.unwrap();
        assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
        match existing {
            None => assert!(!out.exists(), "a partial file was left at {path}"),
            Some(content) => assert_eq!(std::fs::read(&out).unwrap(), content),
        }
        let left: Vec<String> = listing(dir.path());
        assert!(left.iter().all(|n| !n.ends_with(".part")), "{left:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_created_while_downloading_is_not_overwritten() {
    let origin = Origin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("photo.jpg");
    let path = out.to_str().unwrap().to_owned();
    let body = origin.next_body();
    let run = origin.download(&["--out", &path]);
    body.send(Ok(Bytes::from(vec![7u8; 1024]))).await.unwrap();
    // The check for an existing file is behind; another program creates it now.
    until_a_partial_file_is_in(dir.path()).await;
    std::fs::write(&out, b"written meanwhile").unwrap();
    body.send(Ok(Bytes::from(vec![8u8; LENGTH - 1024])))
        .await
        .unwrap();
    drop(body);
    let output = run.await.unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_eq!(std::fs::read(&out).unwrap(), b"written meanwhile");
    assert_eq!(listing(dir.path()), ["photo.jpg"]);
}
