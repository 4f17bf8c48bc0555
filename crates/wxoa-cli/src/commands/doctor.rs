//! `wxoa doctor URL`: plays the platform against a running webhook — the handshake, a push in
//! each mode the account supports, a duplicate — and explains every failure in plain words.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wxoa_types::secret::error_chain;

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
    /// What a passed check means, when that is not obvious.
    note: Option<String>,
}

impl Check {
    fn new(name: String, problem: Option<String>) -> Check {
        Check {
            name,
            problem,
            note: None,
        }
    }
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
            None => {
                writeln!(out, "ok    {}", check.name)?;
                if let Some(note) = &check.note {
                    writeln!(out, "      {}", note.replace('\n', "\n      "))?;
                }
            }
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

/// What became of one push.
enum Verdict {
    /// Answered correctly, in time.
    Passed,
    /// No answer: why.
    Unreached(String),
    /// Answered with another status than 200.
    Refused(Answer),
    /// Answered correctly, but later than the platform waits.
    Slow(Duration),
    /// Answered 200 with a reply the platform cannot read: why.
    BadReply(String),
}

impl Verdict {
    fn status(&self) -> Option<u16> {
        match self {
            Verdict::Refused(answer) => Some(answer.status),
            _ => None,
        }
    }
}

/// The likely cause when the plain push passed (or was refused as a keyed webhook refuses it)
/// while both encrypted modes were refused: the webhook cannot open what it was sent, so it
/// holds another EncodingAESKey or AppID than the ones given here.
struct Mismatch {
    /// Whether plain pushes were answered (else they were refused with 401 after a good
    /// handshake, as by a webhook that takes encrypted pushes only).
    plain_passed: bool,
}

impl Doctor {
    async fn run(&self) -> Vec<Check> {
        let handshake = self.handshake().await;
        let reachable = handshake
            .problem
            .as_deref()
            .is_none_or(|p| !p.starts_with("cannot reach"));
        let handshake_passed = handshake.problem.is_none();
        let mut checks = vec![handshake];
        if !reachable {
            return checks;
        }
        let modes: &[Mode] = if self.encrypted.is_some() {
            &[Mode::Plain, Mode::Compat, Mode::Safe]
        } else {
            &[Mode::Plain]
        };
        let mut verdicts = Vec::new();
        for &mode in modes {
            verdicts.push((mode, self.push(mode).await));
        }
        checks.extend(self.judge(handshake_passed, &verdicts));
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
            .map_err(|e| describe_transport(&e.without_url(), self.timeout))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("the answer broke off: {}", error_chain(&e.without_url())))?
            .to_vec();
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
        Check::new(name, problem)
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

    /// Sends one text push in `mode` and says what became of it.
    async fn push(&self, mode: Mode) -> Verdict {
        let xml = text_push(
            "oWxoaDoctor0000000000000000",
            "wxoa doctor",
            u64::try_from(now()).unwrap_or(0) * 10 + mode as u64,
        );
        let answer = match self.send(self.signed_push(mode, &xml)).await {
            Err(problem) => return Verdict::Unreached(problem),
            Ok(answer) => answer,
        };
        if answer.status != 200 {
            return Verdict::Refused(answer);
        }
        if answer.took > Duration::from_secs(5) {
            return Verdict::Slow(answer.took);
        }
        match self.platform(mode).read_reply(mode, &answer.body) {
            Ok(_) => Verdict::Passed,
            Err(error) => Verdict::BadReply(error),
        }
    }

    /// The checks of the pushes, each failure explained — with the pattern of the modes
    /// together where one mode alone says too little.
    fn judge(&self, handshake_passed: bool, verdicts: &[(Mode, Verdict)]) -> Vec<Check> {
        let keyed = self.encrypted.is_some();
        let verdict = |wanted: Mode| {
            verdicts
                .iter()
                .find(|(mode, _)| *mode == wanted)
                .map(|(_, verdict)| verdict)
        };
        // A webhook holding an EncodingAESKey refuses plain pushes with 401 (`wxoa serve`
        // does, unless --allow-plain); the handshake that passed with the same Token shows
        // the 401 is not about the Token.
        let plain_refused_by_key =
            handshake_passed && verdict(Mode::Plain).and_then(Verdict::status) == Some(401);
        let plain_passed = matches!(verdict(Mode::Plain), Some(Verdict::Passed));
        let encrypted_statuses: Vec<Option<u16>> = [Mode::Compat, Mode::Safe]
            .into_iter()
            .map(|mode| verdict(mode).and_then(Verdict::status))
            .collect();
        let cannot_open = |status: Option<u16>| match status {
            Some(400 | 500..=599) => true,
            // Some frameworks answer a failed decryption as a refused signature; with plain
            // pushes passing on the same Token, the signature is not the cause.
            Some(401 | 403) => plain_passed,
            _ => false,
        };
        let mismatch = (keyed
            && (plain_passed || plain_refused_by_key)
            && encrypted_statuses.iter().all(|s| cannot_open(*s)))
        .then_some(Mismatch { plain_passed });
        let everything_refused = encrypted_statuses.iter().all(|s| *s == Some(401));
        verdicts
            .iter()
            .map(|(mode, verdict)| {
                let name = format!(
                    "POST in {} mode is answered correctly within 5 s",
                    mode.as_str()
                );
                // With an EncodingAESKey, a plaintext push must be refused: its signature covers
                // only the Token, timestamp and nonce, so it could be forged from any logged
                // query string.
                if *mode == Mode::Plain && keyed {
                    let name =
                        "POST in plain mode is refused (the account has an EncodingAESKey)".to_owned();
                    if plain_refused_by_key && !everything_refused {
                        return Check {
                            name,
                            problem: None,
                            note: Some("refused with 401, as a webhook holding an EncodingAESKey refuses plain pushes (`wxoa serve` unless --allow-plain): right when the platform sends in compat or safe mode".to_owned()),
                        };
                    }
                    if plain_passed && mismatch.is_none() {
                        return Check::new(name, Some("the webhook took a plaintext push although the account has an EncodingAESKey. A plaintext push is signed over the Token, timestamp and nonce only, so anyone holding one logged query string (a proxy's access log) can forge follower messages and read the answers. Once the platform is in compat or safe mode, refuse plaintext pushes (`wxoa serve` does unless --allow-plain is given).".to_owned()));
                    }
                }
                if *mode == Mode::Plain && plain_refused_by_key && !keyed {
                    return Check::new(name, Some(plain_refused_hint(verdict)));
                }
                let problem = match (verdict, &mismatch) {
                    (Verdict::Refused(answer), Some(mismatch)) if mode.encrypted() => {
                        Some(mismatch_problem(answer, mismatch))
                    }
                    (verdict, _) => verdict_problem(*mode, verdict, handshake_passed),
                };
                Check::new(name, problem)
            })
            .collect()
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
        let platform = self.platform(mode);
        let read = |a: &Answer| {
            platform
                .read_reply(mode, &a.body)
                .map(|r| r.map(|r| r.body))
        };
        // Only a delivery the webhook accepted can be retried: a refused one says nothing
        // about how retries are handled.
        let first = match self.send(self.signed_push(mode, &xml)).await {
            Err(problem) => return Check::new(name, Some(problem)),
            Ok(first) => first,
        };
        if first.status != 200 {
            return Check::new(
                name,
                Some(format!(
                    "not checked: the first delivery was refused (HTTP {}), so there is nothing to retry. Fix the failures above first.",
                    first.status
                )),
            );
        }
        let first_reply = match read(&first) {
            Ok(reply) => reply,
            Err(error) => {
                return Check::new(
                    name,
                    Some(format!(
                        "not checked: the first delivery's answer cannot be read ({error}). Fix the failures above first."
                    )),
                );
            }
        };
        let problem = match self.send(self.signed_push(mode, &xml)).await {
            Err(problem) => Some(problem),
            Ok(second) if second.status != 200 => Some(format!(
                "the first delivery was accepted but the retry got HTTP {}: a retry must get the first delivery's answer. Body: {:?}",
                second.status,
                truncate(&String::from_utf8_lossy(&second.body))
            )),
            Ok(second) => match read(&second) {
                Ok(reply) if reply == first_reply => None,
                Ok(_) => Some("the retry got a different answer: the handler ran twice. Deduplicate on MsgId (events: FromUserName + CreateTime + Event + EventKey) and answer a retry with the first delivery's reply.".to_owned()),
                Err(error) => Some(format!(
                    "the retry's answer cannot be read ({error}): a retry must get the first delivery's answer"
                )),
            },
        };
        Check::new(name, problem)
    }
}

/// The explanation of one push's failure, read on its own.
fn verdict_problem(mode: Mode, verdict: &Verdict, handshake_passed: bool) -> Option<String> {
    match verdict {
        Verdict::Passed => None,
        Verdict::Unreached(problem) => Some(problem.clone()),
        Verdict::Refused(answer) => status_problem(answer, handshake_passed),
        Verdict::Slow(took) => Some(format!(
            "answered in {:.1} s: the platform gives up after 5 s, retries, and shows the follower \"该公众号暂时无法提供服务\". Answer `success` at once and reply later through customer-service messages.",
            took.as_secs_f64()
        )),
        Verdict::BadReply(error) if mode.encrypted() => Some(format!(
            "the reply is not an envelope the platform can verify and decrypt ({error}). In compat and safe mode answer with the encrypted envelope (Encrypt, MsgSignature, TimeStamp, Nonce), signed with the same Token and encrypted with the same EncodingAESKey and AppID; or answer `success`."
        )),
        Verdict::BadReply(error) => Some(format!(
            "the reply is not valid reply XML ({error}); answer a passive-reply XML, `success`, or an empty body"
        )),
    }
}

/// A plain push refused with 401 after a good handshake, when no EncodingAESKey was given.
fn plain_refused_hint(verdict: &Verdict) -> String {
    let body = match verdict {
        Verdict::Refused(answer) => truncate(&String::from_utf8_lossy(&answer.body)),
        _ => String::new(),
    };
    format!(
        "HTTP 401 although the handshake with the same Token passed: the webhook refuses plain pushes, as a webhook holding an EncodingAESKey does (`wxoa serve` unless --allow-plain). If the account's message encryption mode is compat or safe, give doctor the account's --aes-key and --app-id to check those modes; if it is plain, the webhook must not hold a key. (Or the webhook's clock is far off.) Body: {body:?}"
    )
}

/// An encrypted push refused while plain pushes were fine: the key or the AppID differs.
fn mismatch_problem(answer: &Answer, mismatch: &Mismatch) -> String {
    let body = String::from_utf8_lossy(&answer.body);
    let lower = body.to_lowercase();
    // The platform's own error codes (-40005 ValidateAppidError, -40007 DecryptAESError),
    // which frameworks commonly put in their error text, tell the two apart.
    let which = if lower.contains("appid") || lower.contains("-40005") {
        " — its answer names the AppID, so most likely the AppID"
    } else if lower.contains("-40007") || lower.contains("decrypt") || lower.contains("padding") {
        " — its answer says decryption failed, so most likely the EncodingAESKey"
    } else {
        ""
    };
    let plain = if mismatch.plain_passed {
        "plain pushes pass"
    } else {
        "the handshake passes with the same Token (plain pushes are refused as a keyed webhook refuses them)"
    };
    format!(
        "HTTP {} while {plain}: the webhook cannot open the encrypted push, so the EncodingAESKey or the AppID given here differs from the webhook's{which}. Both must be the account's own (the EncodingAESKey of the platform's server configuration, and the account's AppID): compare the ones given here (--aes-key, --app-id) with the webhook's (`wxoa serve --aes-key … --app-id …`, WXOA_AES_KEY, WXOA_APP_ID) and make them equal. Body: {:?}",
        answer.status,
        truncate(&body)
    )
}

fn handshake_problem(answer: &Answer, echostr: &str) -> Option<String> {
    if let Some(problem) = status_problem(answer, false) {
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

/// An answer's status explained; `handshake_passed` says the Token was shown right already.
fn status_problem(answer: &Answer, handshake_passed: bool) -> Option<String> {
    let body = String::from_utf8_lossy(&answer.body);
    let hint = match answer.status {
        200 => return None,
        401 | 403 if handshake_passed => {
            "the webhook refused the push although the handshake with the same Token passed: its clock may be far off (a push outside its replay window is refused), or it checks this mode's signature differently from the platform"
        }
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

/// Why a request got no answer. `error` carries no URL: the webhook's URL may hold a password.
fn describe_transport(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!(
            "cannot reach the webhook in time: no answer within {} s (the platform waits 5 s, then retries)",
            timeout.as_secs()
        )
    } else if error.is_connect() {
        format!(
            "cannot reach the webhook: connection failed ({}); is it running, and listening on that address?",
            error_chain(error)
        )
    } else {
        format!("cannot reach the webhook: {}", error_chain(error))
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
