//! `wxoa crypto sign|decrypt|encrypt`: the protocol tools for debugging a captured push or a
//! failing encrypted reply. Failures name the WXBizMsgCrypt code and the likely cause.

use std::io::Write;

use wxoa_crypto::{CryptoError, MsgCrypt, msg_signature, random_nonce, signature};
use wxoa_types::envelope::EnvelopeError;
use wxoa_types::xml::{self, Element};

use crate::cli::{DecryptArgs, EncryptArgs, SignArgs};
use crate::config::Settings;
use crate::exit::Failure;
use crate::io::read_stdin;

pub(crate) fn sign(settings: &Settings, args: &SignArgs) -> Result<(), Failure> {
    let token = Settings::require(&settings.global.token, "--token", "WXOA_TOKEN")?;
    let sig = match &args.encrypt {
        Some(encrypt) => msg_signature(token, &args.timestamp, &args.nonce, encrypt),
        None => signature(token, &args.timestamp, &args.nonce),
    };
    writeln!(std::io::stdout(), "{sig}")?;
    Ok(())
}

/// The account's Token, EncodingAESKey and AppID, or a usage failure naming what is missing.
fn crypt(settings: &Settings) -> Result<MsgCrypt, Failure> {
    let global = &settings.global;
    let token = Settings::require(&global.token, "--token", "WXOA_TOKEN")?;
    let aes_key = Settings::require(&global.aes_key, "--aes-key", "WXOA_AES_KEY")?;
    let app_id = Settings::require(&global.app_id, "--app-id", "WXOA_APP_ID")?;
    MsgCrypt::new(token, aes_key, app_id).map_err(|error| {
        // A malformed key is a configuration error (exit 2); still name its official code.
        Failure::usage(error)
    })
}

pub(crate) fn decrypt(settings: &Settings, args: &DecryptArgs) -> Result<(), Failure> {
    let input = read_stdin()?;
    let root = xml::parse(&input).map_err(|e| {
        Failure::crypto(
            CryptoError::ParseXml(EnvelopeError::Xml(e)),
            Some("stdin must hold the envelope XML exactly as received".to_owned()),
        )
    })?;
    let Some(encrypt) = root.child_text("Encrypt").map(str::trim) else {
        return Err(Failure::crypto(
            CryptoError::ParseXml(EnvelopeError::MissingEncrypt),
            Some(
                "the input has no <Encrypt>: it is a plaintext push (plain mode); read it with `wxoa parse`"
                    .to_owned(),
            ),
        ));
    };
    let crypt = crypt(settings)?;
    let token = crypt.token().expose();

    // A reply envelope carries its own TimeStamp, Nonce and MsgSignature.
    let from_envelope = |name: &str| root.child_text(name).map(|v| v.trim().to_owned());
    let timestamp = pick(&args.timestamp, from_envelope("TimeStamp"), "--timestamp")?;
    let nonce = pick(&args.nonce, from_envelope("Nonce"), "--nonce")?;
    let received = pick(
        &args.msg_signature,
        from_envelope("MsgSignature"),
        "--msg-signature",
    )?;

    if let Err(error) =
        wxoa_crypto::verify_msg_signature(token, &timestamp, &nonce, encrypt, &received)
    {
        return Err(Failure::crypto(
            error,
            Some(signature_hint(&root, token, &timestamp, &nonce, &received)),
        ));
    }
    match crypt.decrypt(encrypt) {
        Ok(plain) => {
            let mut out = std::io::stdout().lock();
            out.write_all(&plain)?;
            if !plain.ends_with(b"\n") {
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Err(error) => {
            let hint = decrypt_hint(&error);
            Err(Failure::crypto(error, hint))
        }
    }
}

fn pick(given: &Option<String>, envelope: Option<String>, flag: &str) -> Result<String, Failure> {
    given.clone().or(envelope).ok_or_else(|| {
        Failure::usage(anyhow::anyhow!(
            "missing {flag}: take it from the push's query string"
        ))
    })
}

fn signature_hint(
    root: &Element,
    token: &str,
    timestamp: &str,
    nonce: &str,
    received: &str,
) -> String {
    if signature(token, timestamp, nonce).matches(received) {
        return "that is the query's `signature`, not its `msg_signature`: pass --msg-signature the msg_signature parameter".to_owned();
    }
    if let Some(envelope_ts) = root.child_text("TimeStamp")
        && envelope_ts.trim() != timestamp
    {
        return format!(
            "this is a reply envelope: it is signed over its own TimeStamp ({}), not the push's timestamp",
            envelope_ts.trim()
        );
    }
    "the Token differs from the one saved on the platform's server configuration, or --timestamp/--nonce are not the push's query values (a reply envelope is signed over its TimeStamp and Nonce)".to_owned()
}

fn decrypt_hint(error: &CryptoError) -> Option<String> {
    let hint = match error {
        CryptoError::DecryptAes { .. } | CryptoError::IllegalBuffer { .. } => {
            "the EncodingAESKey is not the one saved on the platform (it changes when regenerated), or the ciphertext was altered"
        }
        CryptoError::ValidateAppId { .. } => {
            "--app-id is not the account this push was encrypted for"
        }
        CryptoError::DecodeBase64 { .. } => {
            "the Encrypt value was altered on its way (URL-decoding turns '+' into spaces)"
        }
        _ => return None,
    };
    Some(hint.to_owned())
}

pub(crate) fn encrypt(settings: &Settings, args: &EncryptArgs) -> Result<(), Failure> {
    let input = read_stdin()?;
    let crypt = crypt(settings)?;
    let text = std::str::from_utf8(&input).map_err(|_| {
        Failure::crypto(
            CryptoError::GenReturnXml(wxoa_types::reply::ReplyError::Xml(xml::XmlError::Utf8)),
            None,
        )
    })?;
    if let Err(e) = xml::parse(text.as_bytes()) {
        return Err(Failure::crypto(
            CryptoError::GenReturnXml(wxoa_types::reply::ReplyError::Xml(e)),
            Some("stdin must hold the plaintext reply XML".to_owned()),
        ));
    }
    let timestamp = args.timestamp.clone().unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .to_string()
    });
    let nonce = args.nonce.clone().unwrap_or_else(random_nonce);
    let envelope = crypt
        .encrypt_reply(text, &timestamp, &nonce)
        .map_err(|e| Failure::crypto(e, None))?;
    writeln!(std::io::stdout(), "{}", envelope.to_xml())?;
    Ok(())
}
