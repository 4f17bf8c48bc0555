//! CONTRACT §7 `wxoa media upload|download` against the client's stub platform.

use serde_json::json;
use wxoa_client::testing::RawAnswer;

use crate::api::Env;
use crate::{api_fixture, stderr};

const UPLOAD: &str = "/cgi-bin/media/upload";
const ADD: &str = "/cgi-bin/material/add_material";
const GET: &str = "/cgi-bin/media/get";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0 a photo";

#[test]
fn upload_sends_the_file_as_the_media_field_with_its_kind_from_the_extension() {
    let env = Env::new();
    env.stub
        .respond(UPLOAD, api_fixture("media", "upload.response.json"));
    let file = env.home.path().join("photo.jpg");
    std::fs::write(&file, JPEG).unwrap();
    let answer = env.json(&["media", "upload", file.to_str().unwrap()]);
    assert_eq!(answer["media_id"], "MEDIA_ID_OF_64_CHARACTERS");
    let request = env.stub.requests(UPLOAD).pop().unwrap();
    assert_eq!(request.query["type"], "image");
    let media = request.field("media").unwrap();
    assert_eq!(media.file_name.as_deref(), Some("photo.jpg"));
    assert_eq!(media.data.as_ref(), JPEG);
}

#[test]
fn a_permanent_video_goes_with_its_description() {
    let env = Env::new();
    env.stub.respond(
        ADD,
        api_fixture("material", "add_material_voice.response.json"),
    );
    let file = env.home.path().join("clip.mp4");
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
    let request = env.stub.requests(ADD).pop().unwrap();
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
    let env = Env::new();
    let file = env.home.path().join("big.jpg");
    std::fs::write(&file, vec![0u8; 64 * 1024 + 1]).unwrap();
    let output = env.run(&["media", "upload", file.to_str().unwrap(), "--type", "thumb"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("media: a temporary thumb is at most 65536 bytes"));
    assert_eq!(env.stub.calls(UPLOAD), 0);
}

#[test]
fn a_missing_file_exits_2() {
    let env = Env::new();
    let file = env.home.path().join("gone.png");
    let output = env.run(&["media", "upload", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("gone.png"));
    assert_eq!(env.stub.calls(UPLOAD), 0);
}

#[test]
fn download_saves_into_a_directory_created_for_it() {
    let env = Env::new();
    env.stub.respond_raw(
        GET,
        RawAnswer::new(200, JPEG)
            .header("content-type", "image/jpeg")
            .header(
                "content-disposition",
                "attachment; filename=\"MEDIA_ID.jpg\"",
            ),
    );
    let dir = env.home.path().join("downloads/today");
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
    let env = Env::new();
    env.stub.respond_raw(
        GET,
        RawAnswer::new(200, JPEG).header("content-type", "image/jpeg"),
    );
    let out = env.home.path().join("x.jpg");
    env.json(&["media", "download", "M", "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), JPEG);
}

#[test]
fn a_video_prints_its_url() {
    let env = Env::new();
    env.stub
        .respond(GET, api_fixture("media", "get_video.response.json"));
    let answer = env.json(&["media", "download", "VIDEO"]);
    assert_eq!(answer, json!({"video_url": "http://example.com/video.mp4"}));
}

#[test]
fn an_expired_media_exits_1() {
    let env = Env::new();
    env.stub.respond_raw(
        GET,
        RawAnswer::new(200, r#"{"errcode":40007,"errmsg":"invalid media_id"}"#)
            .header("content-type", "text/plain"),
    );
    let output = env.run(&[
        "media",
        "download",
        "OLD",
        "--dir",
        env.home.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("errcode 40007"));
}
