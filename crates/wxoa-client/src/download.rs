//! Answers that may be files: media, materials, QR-code images.
//!
//! The platform serves files from some endpoints (`media/get`, `material/get_material`,
//! `showqrcode`) and answers JSON from the same endpoints on error — and, for some kinds, on
//! success too (a temporary video is a `video_url`, a permanent news material is its articles).
//! [`Client::fetch_file`](crate::Client::fetch_file) looks at the `Content-Type`: a JSON error becomes
//! the typed [`Error::Api`], other JSON is a [`Fetched::Json`], and anything else is a
//! [`Download`] whose body is still to be read — streamed into a writer, a file or a
//! directory, never held whole in memory unless asked for with [`Download::bytes`].

use std::path::{Path, PathBuf};

use bytes::Bytes;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, HeaderMap};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::{Error, FileAction, Result};
use crate::invalid::InvalidRequest;
use crate::transport::{MAX_BODY, content_type, decode};

/// The largest file streamed to a writer or a file: far above any file the platform serves.
pub const MAX_DOWNLOAD: u64 = 1024 * 1024 * 1024;

/// The longest file name taken from a `Content-Disposition`, in bytes.
const MAX_FILE_NAME: usize = 200;

/// An answer of an endpoint that serves files and JSON.
#[derive(Debug)]
#[non_exhaustive]
pub enum Fetched {
    /// JSON that is not an error (`{"video_url": …}` of a temporary video, the articles of a
    /// news material).
    Json(JsonAnswer),
    /// A file.
    File(Download),
}

/// A JSON answer of an endpoint that also serves files.
#[derive(Debug, Clone)]
pub struct JsonAnswer {
    path: String,
    body: Bytes,
}

impl JsonAnswer {
    pub(crate) fn new(path: String, body: Bytes) -> JsonAnswer {
        JsonAnswer { path, body }
    }

    /// Decodes the answer into `T` (a failure keeps the raw body and the failing field).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        decode(&self.path, &self.body)
    }

    /// The raw JSON text.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.body
    }
}

enum Body {
    /// The body is still on the connection.
    Live(reqwest::Response),
    /// The body was read already (it was sent as text and had to be looked at).
    Read(Bytes),
}

/// A file served by the platform, its body not read yet.
///
/// ```no_run
/// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
/// use wxoa_client::ApiRequest;
///
/// let request = ApiRequest::get("/cgi-bin/media/get").query("media_id", "MEDIA_ID");
/// let file = client.download(request).await?;
/// println!("{:?} {:?}", file.content_type(), file.file_name());
/// let saved = file.save_in("downloads", "MEDIA_ID").await?;
/// # Ok(())
/// # }
/// ```
pub struct Download {
    path: String,
    headers: HeaderMap,
    body: Body,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("path", &self.path)
            .field("content_type", &self.content_type())
            .field("file_name", &self.file_name())
            .field("content_length", &self.content_length())
            .finish_non_exhaustive()
    }
}

impl Download {
    pub(crate) fn live(path: String, response: reqwest::Response) -> Download {
        Download {
            path,
            headers: response.headers().clone(),
            body: Body::Live(response),
        }
    }

    pub(crate) fn read(path: String, headers: HeaderMap, body: Bytes) -> Download {
        Download {
            path,
            headers,
            body: Body::Read(body),
        }
    }

    /// The `Content-Type` the platform sent (`image/jpeg`), if any.
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        Some(content_type(&self.headers)).filter(|t| !t.is_empty())
    }

    /// The file name of the `Content-disposition` header, made safe to use as a file name in
    /// a directory: no path separators, no control characters, no leading dots, at most 200
    /// bytes. `None` when the header has none (or nothing usable is left).
    #[must_use]
    pub fn file_name(&self) -> Option<String> {
        let header = self.headers.get(CONTENT_DISPOSITION)?;
        file_name_of(&String::from_utf8_lossy(header.as_bytes()))
    }

    /// The length the platform announced, if any.
    #[must_use]
    pub fn content_length(&self) -> Option<u64> {
        match &self.body {
            Body::Read(bytes) => Some(bytes.len() as u64),
            Body::Live(_) => self
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok()),
        }
    }

    /// The whole file in memory (at most 16 MiB, else [`Error::TooLarge`]).
    pub async fn bytes(self) -> Result<Bytes> {
        let mut buffer = Vec::new();
        self.write_to_limited(&mut buffer, MAX_BODY as u64).await?;
        Ok(Bytes::from(buffer))
    }

    /// Streams the file into `writer` (flushed at the end); answers the number of bytes
    /// written.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(self, writer: &mut W) -> Result<u64> {
        self.write_to_limited(writer, MAX_DOWNLOAD).await
    }

    /// Saves the file at `path`, replacing what is there only once the whole file arrived (it
    /// is written next to it first, then renamed). Answers the number of bytes written.
    pub async fn save_as(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| InvalidRequest::NoFileName {
                path: path.to_path_buf(),
            })?;
        self.save(&dir, &name, path).await
    }

    /// Saves the file in the directory `dir` (created if missing) under the name of its
    /// `Content-disposition`, else `fallback_name`; answers the path written. An existing
    /// file of that name is replaced once the whole file arrived.
    pub async fn save_in(self, dir: impl AsRef<Path>, fallback_name: &str) -> Result<PathBuf> {
        let dir = dir.as_ref();
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| Error::Io {
                action: FileAction::CreateDirectory,
                path: dir.to_path_buf(),
                source,
            })?;
        let name = match self.file_name() {
            Some(name) => name,
            None => sanitize(fallback_name).ok_or_else(|| InvalidRequest::UnusableFileName {
                name: fallback_name.to_owned(),
            })?,
        };
        let target = dir.join(&name);
        self.save(dir, &name, &target).await?;
        Ok(target)
    }

    async fn save(self, dir: &Path, name: &str, target: &Path) -> Result<u64> {
        let temp = dir.join(format!(".{name}.{:016x}.part", rand::random::<u64>()));
        let io = |action, source| Error::Io {
            action,
            path: temp.clone(),
            source,
        };
        let mut file = tokio::fs::File::create(&temp)
            .await
            .map_err(|e| io(FileAction::Create, e))?;
        let written = match self.write_to(&mut file).await {
            Ok(written) => written,
            Err(error) => {
                drop(file);
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(error);
            }
        };
        let synced = file.sync_all().await;
        drop(file);
        if let Err(source) = synced {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(io(FileAction::Write, source));
        }
        if let Err(source) = tokio::fs::rename(&temp, target).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(Error::Io {
                action: FileAction::Write,
                path: target.to_path_buf(),
                source,
            });
        }
        Ok(written)
    }

    async fn write_to_limited<W: AsyncWrite + Unpin + ?Sized>(
        self,
        writer: &mut W,
        limit: u64,
    ) -> Result<u64> {
        let written_to = |source| Error::Io {
            action: FileAction::Write,
            path: PathBuf::from("the download's writer"),
            source,
        };
        let too_large = || Error::TooLarge {
            path: self.path.clone(),
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
        };
        let mut response = match self.body {
            Body::Read(ref bytes) => {
                if bytes.len() as u64 > limit {
                    return Err(too_large());
                }
                writer.write_all(bytes).await.map_err(written_to)?;
                writer.flush().await.map_err(written_to)?;
                return Ok(bytes.len() as u64);
            }
            Body::Live(response) => response,
        };
        if self
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|len| len > limit)
        {
            return Err(too_large());
        }
        let mut written: u64 = 0;
        loop {
            let chunk = response.chunk().await.map_err(|source| Error::Transport {
                path: self.path.clone(),
                attempts: 1,
                may_have_reached_platform: true,
                source: source.without_url(),
            })?;
            let Some(chunk) = chunk else { break };
            written = written.saturating_add(chunk.len() as u64);
            if written > limit {
                return Err(too_large());
            }
            writer.write_all(&chunk).await.map_err(written_to)?;
        }
        writer.flush().await.map_err(written_to)?;
        Ok(written)
    }
}

/// The file name of a `Content-Disposition` value: `filename*=UTF-8''…` first, then
/// `filename="…"` or `filename=…`; made safe with [`sanitize`].
fn file_name_of(disposition: &str) -> Option<String> {
    let params: Vec<(String, &str)> = disposition
        .split(';')
        .filter_map(|param| {
            let (key, value) = param.split_once('=')?;
            Some((key.trim().to_ascii_lowercase(), value.trim()))
        })
        .collect();
    let extended = params
        .iter()
        .find(|(key, _)| key == "filename*")
        .and_then(|(_, value)| {
            // charset'language'percent-encoded
            let encoded = value.splitn(3, '\'').nth(2)?;
            Some(
                percent_encoding::percent_decode_str(encoded)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        });
    let name = match extended {
        Some(name) => name,
        None => {
            let (_, value) = params.iter().find(|(key, _)| key == "filename")?;
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value)
                .replace("\\\"", "\"")
        }
    };
    sanitize(&name)
}

/// `name` made safe as a file name in a directory: its last path component, without control
/// characters or leading dots and spaces, at most [`MAX_FILE_NAME`] bytes; `None` when nothing
/// is left.
fn sanitize(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim_start_matches(['.', ' '])
        .trim_end()
        .to_owned();
    let mut cut = cleaned.len().min(MAX_FILE_NAME);
    while !cleaned.is_char_boundary(cut) {
        cut -= 1;
    }
    let name = cleaned.get(..cut).unwrap_or_default().trim_end().to_owned();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn file_names_come_from_the_disposition_and_are_made_safe() {
        let cases = [
            (
                r#"attachment; filename="MEDIA_ID.jpg""#,
                Some("MEDIA_ID.jpg"),
            ),
            ("attachment; filename=plain.amr", Some("plain.amr")),
            (
                "attachment; filename=\"x.jpg\"; filename*=UTF-8''%E5%9B%BE.jpg",
                Some("图.jpg"),
            ),
            (r#"attachment; filename="../../etc/passwd""#, Some("passwd")),
            (r#"attachment; filename="C:\evil\x.png""#, Some("x.png")),
            (r#"attachment; filename="..""#, None),
            (r#"attachment; filename=".hidden""#, Some("hidden")),
            ("attachment; filename=\"a\u{7}b.jpg\"", Some("ab.jpg")),
            ("attachment", None),
            (r#"attachment; filename="""#, None),
        ];
        for (header, expected) in cases {
            assert_eq!(file_name_of(header).as_deref(), expected, "{header}");
        }
        let long = format!("attachment; filename=\"{}.jpg\"", "图".repeat(100));
        let name = file_name_of(&long).unwrap();
        assert!(name.len() <= MAX_FILE_NAME && name.starts_with('图'));
    }

    #[tokio::test]
    async fn read_bodies_are_written_and_bounded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"a.jpg\""),
        );
        let download = Download::read("/x".to_owned(), headers, Bytes::from_static(b"abc"));
        assert_eq!(download.file_name().as_deref(), Some("a.jpg"));
        assert_eq!(download.content_length(), Some(3));
        let mut out = Vec::new();
        assert_eq!(download.write_to(&mut out).await.unwrap(), 3);
        assert_eq!(out, b"abc");
        let download = Download::read(
            "/x".to_owned(),
            HeaderMap::new(),
            Bytes::from_static(b"abc"),
        );
        assert!(matches!(
            download.write_to_limited(&mut Vec::new(), 2).await,
            Err(Error::TooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn saving_in_a_directory_creates_it_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b");
        let download = Download::read(
            "/x".to_owned(),
            HeaderMap::new(),
            Bytes::from_static(b"abc"),
        );
        let saved = download.save_in(&target, "fallback.bin").await.unwrap();
        assert_eq!(saved, target.join("fallback.bin"));
        assert_eq!(std::fs::read(&saved).unwrap(), b"abc");
        let entries: Vec<_> = std::fs::read_dir(&target).unwrap().collect();
        assert_eq!(entries.len(), 1);
        let download = Download::read("/x".to_owned(), HeaderMap::new(), Bytes::new());
        assert!(matches!(
            download.save_in(&target, "../").await,
            Err(Error::InvalidRequest(
                InvalidRequest::UnusableFileName { .. }
            ))
        ));
    }
}
