//! An axum application served on a loopback port for a test, counting the requests of each
//! path: what a test of a client of some server (the token server of CONTRACT §5) checks about
//! how often the client came.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use tokio::net::TcpListener;

/// A served application; it stops when dropped.
#[derive(Debug)]
pub struct Served {
    base_url: String,
    calls: Arc<Mutex<HashMap<String, usize>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Served {
    /// Serves `app` on a free port of 127.0.0.1 (in the current runtime).
    pub async fn start(app: Router) -> std::io::Result<Served> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let calls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let counted = Arc::clone(&calls);
        let app = app.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let calls = Arc::clone(&counted);
                async move {
                    let path = request.uri().path().to_owned();
                    *calls
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .entry(path)
                        .or_default() += 1;
                    next.run(request).await
                }
            },
        ));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Served {
            base_url,
            calls,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Requests that reached `path` so far.
    pub fn calls(&self, path: &str) -> usize {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}
