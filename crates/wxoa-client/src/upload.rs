//! Multipart uploads: a file from a path, from bytes or from a stream, and the form it travels
//! in.
//!
//! The platform takes media as `multipart/form-data` with the file in a field named `media`
//! (its file name and content type included) and, for some endpoints, text fields beside it
//! (`description` of a permanent video). It needs the length of the whole body up front, so
//! every [`Upload`] knows its length before it is sent: a path is measured, bytes are counted,
//! and a stream declares it. What goes on the wire is exactly that many bytes, never more: a
//! file that grew or a stream that yields more than it declared fails the upload instead.
//!
//! Uploads are sends: never sent again once they may have reached the platform. A path and
//! bytes can be sent again when that is safe (the connection could not be made, or the
//! platform rejected the access token); a stream is read once, so it is sent again only when
//! it was not read at all.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use futures::stream::BoxStream;
use tokio::io::AsyncReadExt;

use crate::error::{Error, FileAction, Result};
use crate::invalid::InvalidRequest;

/// How much of a file is read at a time.
const CHUNK: usize = 64 * 1024;

/// A file to upload: its name (the platform reads the type from its extension), its content
/// type, and where its bytes come from.
///
/// ```
/// use wxoa_client::Upload;
///
/// let from_disk = Upload::path("/srv/media/cover.jpg");
/// let in_memory = Upload::bytes("logo.png", vec![0x89, b'P', b'N', b'G']);
/// assert_eq!(in_memory.file_name(), "logo.png");
/// assert_eq!(in_memory.extension().as_deref(), Some("png"));
/// assert_eq!(in_memory.mime_type(), "image/png");
/// ```
#[derive(Clone)]
pub struct Upload {
    file_name: String,
    content_type: Option<String>,
    source: Source,
    len: Option<u64>,
}

#[derive(Clone)]
enum Source {
    Path(PathBuf),
    Bytes(Bytes),
    Stream(Arc<StreamSlot>),
}

/// A stream that can be taken once, by the first attempt that reads it.
struct StreamSlot {
    stream: Mutex<Option<BoxStream<'static, io::Result<Bytes>>>>,
}

impl StreamSlot {
    fn take(&self) -> Option<BoxStream<'static, io::Result<Bytes>>> {
        self.stream.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn is_available(&self) -> bool {
        self.stream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Path(path) => format!("path {}", path.display()),
            Source::Bytes(bytes) => format!("{} bytes", bytes.len()),
            Source::Stream(_) => "a stream".to_owned(),
        };
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("source", &source)
            .field("len", &self.len)
            .finish()
    }
}

impl Upload {
    /// The file at `path`, read when the upload is sent; its name is the path's last component.
    pub fn path(path: impl Into<PathBuf>) -> Upload {
        let path = path.into();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Upload {
            file_name,
            content_type: None,
            source: Source::Path(path),
            len: None,
        }
    }

    /// Bytes in memory, sent as a file named `file_name`.
    pub fn bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Upload {
        let bytes = bytes.into();
        Upload {
            file_name: file_name.into(),
            content_type: None,
            len: Some(bytes.len() as u64),
            source: Source::Bytes(bytes),
        }
    }

    /// A stream of exactly `len` bytes, sent as a file named `file_name`. The platform needs
    /// the length up front; a stream that ends early or yields more fails the upload. It is
    /// read once: the upload is sent again only when the stream was not read at all.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wxoa_client::Upload;
    ///
    /// let chunks = futures::stream::iter([Ok(Bytes::from_static(b"#!AMR\n")), Ok(Bytes::from_static(b"..."))]);
    /// let voice = Upload::stream("hello.amr", 9, chunks);
    /// ```
    pub fn stream<S>(file_name: impl Into<String>, len: u64, stream: S) -> Upload
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        let stream: BoxStream<'static, io::Result<Bytes>> = Box::pin(stream);
        Upload {
            file_name: file_name.into(),
            content_type: None,
            len: Some(len),
            source: Source::Stream(Arc::new(StreamSlot {
                stream: Mutex::new(Some(stream)),
            })),
        }
    }

    /// Sends the file under another name (the platform reads the type from its extension).
    #[must_use]
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Upload {
        self.file_name = file_name.into();
        self
    }

    /// Sends the file with this content type instead of the one its extension implies.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Upload {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file name sent.
    #[must_use]
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The extension of the file name, lowercased (`jpg` for `Photo.JPG`).
    #[must_use]
    pub fn extension(&self) -> Option<String> {
        Path::new(&self.file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
    }

    /// The content type sent: the one given, else the one the extension implies
    /// (`application/octet-stream` for an unknown one).
    #[must_use]
    pub fn mime_type(&self) -> &str {
        match &self.content_type {
            Some(content_type) => content_type,
            None => mime_for(self.extension().as_deref().unwrap_or("")),
        }
    }

    /// The length in bytes: measured once for a path (reading its metadata), known otherwise.
    pub async fn len(&mut self) -> Result<u64> {
        if let Some(len) = self.len {
            return Ok(len);
        }
        let Source::Path(path) = &self.source else {
            return Ok(0);
        };
        let metadata = tokio::fs::metadata(path).await.map_err(unreadable(path))?;
        if !metadata.is_file() {
            return Err(Error::InvalidRequest(InvalidRequest::NotAFile {
                path: path.to_path_buf(),
            }));
        }
        self.len = Some(metadata.len());
        Ok(metadata.len())
    }

    /// Whether the upload can be sent (again): false once a stream has been read.
    pub(crate) fn can_send(&self) -> bool {
        match &self.source {
            Source::Stream(slot) => slot.is_available(),
            Source::Path(_) | Source::Bytes(_) => true,
        }
    }

    /// The multipart part of one attempt.
    async fn part(&self) -> Result<reqwest::multipart::Part> {
        let len = match self.len {
            Some(len) => len,
            None => self.clone().len().await?,
        };
        let body = match &self.source {
            Source::Bytes(bytes) => reqwest::Body::from(bytes.clone()),
            Source::Path(path) => {
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(unreadable(path))?;
                reqwest::Body::wrap_stream(Exact::new(file_chunks(file), len))
            }
            Source::Stream(slot) => {
                reqwest::Body::wrap_stream(Exact::new(TakeOnPoll::new(Arc::clone(slot)), len))
            }
        };
        reqwest::multipart::Part::stream_with_length(body, len)
            .file_name(self.file_name.clone())
            .mime_str(self.mime_type())
            .map_err(|_| {
                Error::InvalidRequest(InvalidRequest::ContentType {
                    content_type: self.mime_type().to_owned(),
                })
            })
    }
}

/// The error of a file to upload that cannot be read.
fn unreadable(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        action: FileAction::Read,
        path: path.to_path_buf(),
        source,
    }
}

/// The content type the platform expects for a file extension.
pub(crate) fn mime_for(extension: &str) -> &'static str {
    match extension {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "amr" => "audio/amr",
        "mp3" => "audio/mpeg",
        "wma" => "audio/x-ms-wma",
        "wav" => "audio/wav",
        "speex" => "audio/speex",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// A `multipart/form-data` body: text fields and files.
///
/// ```
/// use wxoa_client::{ApiRequest, Form, Upload};
///
/// let form = Form::new()
///     .file("media", Upload::bytes("clip.mp4", vec![0u8; 16]))
///     .text("description", r#"{"title":"Clip","introduction":"A short clip"}"#);
/// let request = ApiRequest::post("/cgi-bin/material/add_material?type=video").multipart(form);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Form {
    texts: Vec<(String, String)>,
    files: Vec<(String, Upload)>,
}

impl Form {
    /// An empty form.
    #[must_use]
    pub fn new() -> Form {
        Form::default()
    }

    /// Adds a text field.
    #[must_use]
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Form {
        self.texts.push((name.into(), value.into()));
        self
    }

    /// Adds a file field.
    #[must_use]
    pub fn file(mut self, name: impl Into<String>, upload: Upload) -> Form {
        self.files.push((name.into(), upload));
        self
    }

    /// Whether every file can be sent (again).
    pub(crate) fn can_send(&self) -> bool {
        self.files.iter().all(|(_, upload)| upload.can_send())
    }

    /// The reqwest form of one attempt: files first, then text fields.
    pub(crate) async fn build(&self) -> Result<reqwest::multipart::Form> {
        let mut form = reqwest::multipart::Form::new();
        for (name, upload) in &self.files {
            form = form.part(name.clone(), upload.part().await?);
        }
        for (name, value) in &self.texts {
            form = form.text(name.clone(), value.clone());
        }
        Ok(form)
    }
}

/// The chunks of a file.
fn file_chunks(file: tokio::fs::File) -> BoxStream<'static, io::Result<Bytes>> {
    Box::pin(futures::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0; CHUNK];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    }))
}

/// A stream that takes the upload's stream out of its slot when it is first polled: an attempt
/// whose connection failed before sending never polled it and leaves it for the next attempt;
/// one that polled it, even once, may have sent part of it and leaves nothing.
struct TakeOnPoll {
    slot: Arc<StreamSlot>,
    stream: Option<BoxStream<'static, io::Result<Bytes>>>,
    polled: bool,
}

impl TakeOnPoll {
    fn new(slot: Arc<StreamSlot>) -> TakeOnPoll {
        TakeOnPoll {
            slot,
            stream: None,
            polled: false,
        }
    }
}

impl Stream for TakeOnPoll {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.polled {
            self.polled = true;
            self.stream = self.slot.take();
            if self.stream.is_none() {
                return Poll::Ready(Some(Err(io::Error::other(
                    "the upload stream was already read by an earlier attempt",
                ))));
            }
        }
        match self.stream.as_mut() {
            Some(stream) => stream.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

/// Passes exactly `expected` bytes through, failing when the inner stream yields more or ends
/// early: the Content-Length sent is never contradicted, and no limit checked on the length is
/// exceeded on the wire.
struct Exact<S> {
    inner: S,
    expected: u64,
    seen: u64,
}

impl<S> Exact<S> {
    fn new(inner: S, expected: u64) -> Exact<S> {
        Exact {
            inner,
            expected,
            seen: 0,
        }
    }
}

impl<S> Stream for Exact<S>
where
    S: Stream<Item = io::Result<Bytes>> + Unpin,
{
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.seen = this.seen.saturating_add(chunk.len() as u64);
                if this.seen > this.expected {
                    return Poll::Ready(Some(Err(io::Error::other(format!(
                        "the upload yielded more than the {} bytes it declared",
                        this.expected
                    )))));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) if this.seen < this.expected => {
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the upload ended after {} of the {} bytes it declared",
                        this.seen, this.expected
                    ),
                ))))
            }
            other => other,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use futures::StreamExt;

    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> BoxStream<'static, io::Result<Bytes>> {
        let items: Vec<io::Result<Bytes>> =
            parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        Box::pin(futures::stream::iter(items))
    }

    async fn drain(mut stream: impl Stream<Item = io::Result<Bytes>> + Unpin) -> io::Result<u64> {
        let mut total = 0;
        while let Some(chunk) = stream.next().await {
            total += chunk?.len() as u64;
        }
        Ok(total)
    }

    #[tokio::test]
    async fn exact_streams_pass_their_declared_length_only() {
        assert_eq!(
            drain(Exact::new(chunks(&[b"abc", b"de"]), 5))
                .await
                .unwrap(),
            5
        );
        let more = drain(Exact::new(chunks(&[b"abc", b"def"]), 5)).await;
        assert!(more.unwrap_err().to_string().contains("more than the 5"));
        let fewer = drain(Exact::new(chunks(&[b"abc"]), 5)).await;
        assert_eq!(fewer.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn a_stream_is_taken_once_and_only_when_polled() {
        let slot = Arc::new(StreamSlot {
            stream: Mutex::new(Some(chunks(&[b"abc"]))),
        });
        // Built and dropped without being polled (the connection failed): still available.
        drop(TakeOnPoll::new(Arc::clone(&slot)));
        assert!(slot.is_available());
        assert_eq!(drain(TakeOnPoll::new(Arc::clone(&slot))).await.unwrap(), 3);
        assert!(!slot.is_available());
        assert!(drain(TakeOnPoll::new(slot)).await.is_err());
    }

    #[test]
    fn names_extensions_and_types() {
        let upload = Upload::path("/tmp/dir/Photo.JPG");
        assert_eq!(upload.file_name(), "Photo.JPG");
        assert_eq!(upload.extension().as_deref(), Some("jpg"));
        assert_eq!(upload.mime_type(), "image/jpeg");
        let upload = Upload::bytes("noext", Bytes::new()).with_content_type("image/png");
        assert_eq!(upload.extension(), None);
        assert_eq!(upload.mime_type(), "image/png");
        assert_eq!(
            Upload::bytes("x.amr", Bytes::new()).mime_type(),
            "audio/amr"
        );
        assert_eq!(
            Upload::bytes("x.bin", Bytes::new()).mime_type(),
            "application/octet-stream"
        );
    }

    #[tokio::test]
    async fn paths_are_measured_and_must_be_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.jpg");
        std::fs::write(&file, b"12345").unwrap();
        let mut upload = Upload::path(&file);
        assert_eq!(upload.len().await.unwrap(), 5);
        assert!(matches!(
            Upload::path(dir.path()).len().await,
            Err(Error::InvalidRequest(InvalidRequest::NotAFile { .. }))
        ));
        assert!(matches!(
            Upload::path(dir.path().join("missing.jpg")).len().await,
            Err(Error::Io {
                action: FileAction::Read,
                ..
            })
        ));
    }
}
