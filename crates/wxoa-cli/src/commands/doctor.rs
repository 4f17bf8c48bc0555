//! `wxoa doctor URL`: plays the platform against a running webhook — the handshake, a push in
//! each mode the account supports, a duplicate — and explains every failure in plain words.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Args;
use wxoa_crypto::{random_nonce, signature};
use wxoa_webhook::Mode;
use wxoa_webhook::testing::{Platform, text_push};

use crate::config::Settings;
use crate::exit::{CRYPTO, Failure};
use crate::runtime::block_on;

/// Options of `wxoa doctor` (the Token, AES key and AppID are global).
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// The webhook's URL, as saved in the platform's server configuration.
    pub(crate) url: String,
    /// How long to wait for each answer; the platform waits 5 s.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub(crate) timeout: u64,
}

struct Check {
    name: String,
    problem: Option<String>,
}

pub(crate) fn doctor(settings: &Settings, args: &DoctorArgs) -> Result<(), Failure> {
    let global = &settings.global;
    let token = Settings::require(&global.token, "--token", "WXOA_TOKEN")?.to_owned();
    let app_id = global
        .app_id
        .clone()
        .unwrap_or_else(|| "wx0000000000000000".to_owned());
    let plain = Platform::new(&app_id, &token, None).map_err(Failure::usage)?;
    let encrypted = global
        .aes_key
        .as_deref()
        .map(|key| Platform::new(&app_id, &token, Some(key)))
        .transpose()
        .map_err(Failure::usage)?;
    let url = args.url.trim_end_matches('?').to_owned();
    let timeout = Duration::from_secs(args.timeout);
    let checks = block_on(async move {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(Failure::usage)?;
        let doctor = Doctor {
            http,
            url,
            token,
            plain,
            encrypted,
            timeout,
        };
        Ok(doctor.run().await)
    })?;
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for check in &checks {
        match &check.problem {
            None => writeln!(out, "ok    {}", check.name)?,
            Some(problem) => {
                failed += 1;
                writeln!(
                    out,
                    "FAIL  {}\n      {}",
                    check.name,
                    problem.replace('\n', "\n      ")
                )?;
            }
        }
    }
    if failed == 0 {
        writeln!(out, "all {} checks passed", checks.len())?;
        Ok(())
    } else {
        Err(Failure {
            code: CRYPTO,
            error: anyhow::anyhow!("{failed} of {} checks failed", checks.len()),
        })
    }
}

struct Doctor {
    http: reqwest::Client,
    url: String,
    token: String,
    plain: Platform,
    encrypted: Option<Platform>,
    timeout: Duration,
}

/// A response, or why there was none.
struct Answer {
    status: u16,
    body: Vec<u8>,
    took: Duration,
}

impl Doctor {
    async fn run(&self) -> Vec<Check> {
        let mut checks = vec![self.handshake().await];
        let reachable = checks.first().is_some_and(|c| {
            c.problem
                .as_deref()
                .is_none_or(|p| !p.starts_with("cannot reach"))
        });
        if !reachable {
            return checks;
        }
        let modes: &[Mode] = if self.encrypted.is_some() {
            &[Mode::Plain, Mode::Compat, Mode::Safe]
        } else {
            &[Mode::Plain]
        };
        for &mode in modes {
            checks.push(if mode == Mode::Plain && self.encrypted.is_some() {
                self.plain_refused().await
            } else {
                self.push(mode).await
            });
        }
        checks.push(self.duplicate().await);
        checks
    }

    fn separator(&self) -> char {
        if self.url.contains('?') { '&' } else { '?' }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, String> {
        let started = Instant::now();
        let response = request
            .send()
            .await
            .map_err(|e| describe_transport(&e, self.timeout))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| e.to_string())?.to_vec();
        Ok(Answer {
            status,
            body,
            took: started.elapsed(),
        })
    }

    async fn handshake(&self) -> Check {
        let name = "GET handshake returns echostr".to_owned();
        let echostr = format!("wxoa{}", random_nonce());
        let timestamp = now().to_string();
        let nonce = random_nonce();
        let sig = signature(&self.token, &timestamp, &nonce);
        let url = format!(
            "{}{}signature={sig}&echostr={echostr}&timestamp={timestamp}&nonce={nonce}",
            self.url,
            self.separator()
        );
        let problem = match self.send(self.http.get(url)).await {
            Err(problem) => Some(problem),
            Ok(answer) => handshake_problem(&answer, &echostr),
        };
        Check { name, problem }
    }

    fn signed_push(&self, mode: Mode, xml: &str) -> reqwest::RequestBuilder {
        let timestamp = now().to_string();
        let nonce = random_nonce();
        let platform = self.platform(mode);
        let (query, body) = platform.sign(mode, xml, &timestamp, &nonce);
        self.http
            .post(format!("{}{}{query}", self.url, self.separator()))
            .header("content-type", "text/xml")
            .body(body)
    }

    fn platform(&self, mode: Mode) -> &Platform {
        match (&self.encrypted, mode.encrypted()) {
            (Some(encrypted), true) => encrypted,
            _ => &self.plain,
        }
    }

    async fn push(&self, mode: Mode) -> Check {
        let name = format!(
            "POST in {} mode is answered correctly within 5 s",
            mode.as_str()
        );
        let xml = text_push(
            "oWxoaDoctor0000000000000000",
            "wxoa doctor",
            u64::try_from(now()).unwrap_or(0) * 10 + mode as u64,
        );
        let problem = match self.send(self.signed_push(mode, &xml)).await {
            Err(problem) => Some(problem),
            Ok(answer) => self.push_problem(mode, &answer),
        };
        Check { name, problem }
    }

    /// With an EncodingAESKey, a plaintext push must be refused: its signature covers only the
    /// Token, timestamp and nonce, so it could be forged from any logged query string.
    async fn plain_refused(&self) -> Check {
        let name = "POST in plain mode is refused (the account has an EncodingAESKey)".to_owned();
        let xml = text_push(
            "oWxoaDoctor0000000000000000",
            "wxoa doctor",
            u64::try_from(now()).unwrap_or(0) * 10 + Mode::Plain as u64,
        );
        let problem = match self.send(self.signed_push(Mode::Plain, &xml)).await {
            Err(problem) => Some(problem),
            Ok(answer) if matches!(answer.status, 401 | 403) => None,
            Ok(answer) if answer.status == 200 => Some(
                "the webhook took a plaintext push although the account has an EncodingAESKey. A plaintext push is signed over the Token, timestamp and nonce only, so anyone holding one logged query string (a proxy's access log) can forge follower messages and read the answers. Once the platform is in compat or safe mode, refuse plaintext pushes (`wxoa serve` does unless --allow-plain is given).".to_owned(),
            ),
            Ok(answer) => status_problem(&answer),
        };
        Check { name, problem }
    }

    fn push_problem(&self, mode: Mode, answer: &Answer) -> Option<String> {
        if let Some(problem) = status_problem(answer) {
            return Some(problem);
        }
        if answer.took > Duration::from_secs(5) {
            return Some(format!(
                "answered in {:.1} s: the platform gives up after 5 s, retries, and shows the follower \"该公众号暂时无法提供服务\". Answer `success` at once and reply later through customer-service messages.",
                answer.took.as_secs_f64()
            ));
        }
        match self.platform(mode).read_reply(mode, &answer.body) {
            Ok(_) => None,
            Err(error) if mode.encrypted() => Some(format!(
                "the reply is not an envelope the platform can verify and decrypt ({error}). In compat and safe mode answer with the encrypted envelope (Encrypt, MsgSignature, TimeStamp, Nonce), signed with the same Token and encrypted with the same EncodingAESKey and AppID; or answer `success`."
            )),
            Err(error) => Some(format!(
                "the reply is not valid reply XML ({error}); answer a passive-reply XML, `success`, or an empty body"
            )),
        }
    }

    async fn duplicate(&self) -> Check {
        let name = "a retry of the same push gets the same answer".to_owned();
        let mode = if self.encrypted.is_some() {
            Mode::Safe
        } else {
            Mode::Plain
        };
        let xml = text_push(
            "oWxoaDoctor0000000000000000",
            "wxoa doctor retry",
            u64::try_from(now()).unwrap_or(0) * 10 + 9,
        );
        let first = self.send(self.signed_push(mode, &xml)).await;
        let second = self.send(self.signed_push(mode, &xml)).await;
        let problem = match (first, second) {
            (Err(p), _) | (_, Err(p)) => Some(p),
            (Ok(first), Ok(second)) => {
                let platform = self.platform(mode);
                let read = |a: &Answer| {
                    platform
                        .read_reply(mode, &a.body)
                        .ok()
                        .flatten()
                        .map(|r| r.body)
                };
                if first.status != second.status || read(&first) != read(&second) {
                    Some("the retry got a different answer: the handler ran twice. Deduplicate on MsgId (events: FromUserName + CreateTime + Event + EventKey) and answer a retry with the first delivery's reply.".to_owned())
                } else {
                    None
                }
            }
        };
        Check { name, problem }
    }
}

fn handshake_problem(answer: &Answer, echostr: &str) -> Option<String> {
    if let Some(problem) = status_problem(answer) {
        return Some(problem);
    }
    let body = String::from_utf8_lossy(&answer.body);
    if body == echostr {
        return None;
    }
    let trimmed = body.trim();
    let hint = if trimmed == echostr {
        "the body has whitespace or a newline around echostr: return it byte for byte"
    } else if trimmed.trim_matches('"') == echostr {
        "echostr came back quoted (a JSON string?): return the bare text"
    } else if trimmed.contains(echostr) {
        "echostr came back wrapped (JSON, XML or HTML around it): return it alone, as text/plain"
    } else {
        "the body is not echostr: verify the signature and return the echostr query parameter as is"
    };
    Some(format!("answered {:?}; {hint}", truncate(&body)))
}

fn status_problem(answer: &Answer) -> Option<String> {
    let body = String::from_utf8_lossy(&answer.body);
    let hint = match answer.status {
        200 => return None,
        401 | 403 => {
            "the webhook refused the signature: the Token given here differs from the webhook's (they must both equal the platform's server configuration), or its clock is far off"
        }
        404 | 405 => {
            "nothing answers there: wrong path or method (the platform sends GET for the handshake and POST for pushes to the same URL)"
        }
        400 => {
            "the webhook could not read the push: a middleware may have consumed or rewritten the body before it (read the raw body), or it expects another encryption mode or key"
        }
        413 => "the webhook refused the body as too large",
        500..=599 => "the webhook failed while handling: see its log",
        _ => "unexpected status",
    };
    Some(format!(
        "HTTP {}: {hint}. Body: {:?}",
        answer.status,
        truncate(&body)
    ))
}

fn describe_transport(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!(
            "cannot reach the webhook in time: no answer within {} s (the platform waits 5 s, then retries)",
            timeout.as_secs()
        )
    } else if error.is_connect() {
        format!(
            "cannot reach the webhook: connection failed ({error}); is it running, and listening on that address?"
        )
    } else {
        format!("cannot reach the webhook: {error}")
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(120).collect()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
