//! Synthetic followers: a million of them cost nothing until one of them changes.
//!
//! A synthetic follower is a number `0 ≤ i < N`. Its OpenID is that number encrypted: the
//! 16-byte block `tag ‖ i` under an AES-128 key derived from the seed and the AppID, written as
//! 22 characters of the OpenID alphabet after a 6-character prefix per account, 28 characters
//! in all like the platform's. The mapping is a keyed permutation, so an OpenID turns back into
//! its number in one block decryption (the `tag` rejects every OpenID the sandbox did not make),
//! and a page of `user/get` is computed, not looked up. Profiles are derived from the number on
//! demand; only what changes (unfollows, new followers, remarks, tags …) is stored, elsewhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aes::Aes128;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

/// The characters of an OpenID (`[A-Za-z0-9_-]`), in base64url order.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Length of every OpenID.
pub(crate) const OPENID_LEN: usize = 28;

/// Length of the per-account prefix (`o` and five characters).
const PREFIX_LEN: usize = 6;

/// When synthetic followers start following: 2020-01-01 00:00:00 UTC.
const FIRST_SUBSCRIBE: i64 = 1_577_836_800;

/// Seconds between consecutive synthetic followers (a million span about three years).
const SUBSCRIBE_SPACING: i64 = 90;

/// Turns follower numbers into OpenIDs and back, for one account and seed.
#[derive(Clone)]
pub(crate) struct OpenIdCodec {
    cipher: Aes128,
    tag: [u8; 8],
    prefix: [u8; PREFIX_LEN],
    profile_key: u64,
}

impl std::fmt::Debug for OpenIdCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenIdCodec")
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .finish_non_exhaustive()
    }
}

impl OpenIdCodec {
    /// The codec of an account: everything derives from the seed and the AppID.
    pub(crate) fn new(seed: u64, app_id: &str) -> Self {
        let digest = |label: &str| {
            let mut hasher = Sha1::new();
            hasher.update(label.as_bytes());
            hasher.update(seed.to_be_bytes());
            hasher.update(app_id.as_bytes());
            hasher.finalize()
        };
        let key = digest("wxoa-sandbox openid key");
        let other = digest("wxoa-sandbox openid tag");
        let mut key16 = [0u8; 16];
        key16.copy_from_slice(key.get(..16).unwrap_or(&[0; 16]));
        let mut tag = [0u8; 8];
        tag.copy_from_slice(other.get(..8).unwrap_or(&[0; 8]));
        let mut prefix = [b'o'; PREFIX_LEN];
        for (slot, byte) in prefix.iter_mut().skip(1).zip(other.iter().skip(8)) {
            *slot = alphabet(*byte);
        }
        let mut profile = [0u8; 8];
        profile.copy_from_slice(other.get(12..20).unwrap_or(&[0; 8]));
        Self {
            cipher: Aes128::new(&key16.into()),
            tag,
            prefix,
            profile_key: u64::from_be_bytes(profile),
        }
    }

    /// A codec to be replaced by [`OpenIdCodec::new`] once the seed and AppID are known.
    pub(crate) fn placeholder() -> Self {
        Self::new(0, "")
    }

    /// The OpenID of follower number `index`.
    #[cfg(test)]
    pub(crate) fn encode(&self, index: u32) -> String {
        let mut out = String::with_capacity(OPENID_LEN);
        self.encode_into(index, &mut out);
        out
    }

    /// Appends the OpenID of follower number `index` to `out`.
    pub(crate) fn encode_into(&self, index: u32, out: &mut String) {
        let mut block = [0u8; 16];
        let (tag, number) = block.split_at_mut(8);
        tag.copy_from_slice(&self.tag);
        number.copy_from_slice(&u64::from(index).to_be_bytes());
        let mut block = block.into();
        self.cipher.encrypt_block(&mut block);
        let bytes: [u8; 16] = block.into();
        let value = u128::from_be_bytes(bytes);
        for &c in &self.prefix {
            out.push(char::from(c));
        }
        // 21 characters carry the first 126 bits; the 22nd the last 2 bits and a 4-bit check
        // (the top of the first byte), so every character of the alphabet can end an OpenID.
        for i in 0..21 {
            out.push(char::from(alphabet((value >> (122 - 6 * i)) as u8)));
        }
        let last = ((value & 3) as u8) << 4 | (bytes[0] >> 4);
        out.push(char::from(alphabet(last)));
    }

    /// An OpenID of this account that is no synthetic follower's: the account's prefix and
    /// 22 characters of a digest of `key`, so the same key always gives the same OpenID
    /// (the OpenID a follower who joined another account late gets when migrated here).
    pub(crate) fn derived(&self, key: &[u8]) -> String {
        let first = Sha1::digest(key);
        let second = Sha1::digest(first);
        let mut out = String::with_capacity(OPENID_LEN);
        for &c in &self.prefix {
            out.push(char::from(c));
        }
        for byte in first
            .iter()
            .chain(second.iter())
            .take(OPENID_LEN - PREFIX_LEN)
        {
            out.push(char::from(alphabet(*byte)));
        }
        out
    }

    /// The follower number behind an OpenID this codec made, or `None` for any other string.
    pub(crate) fn decode(&self, openid: &str) -> Option<u32> {
        let raw = openid.as_bytes();
        if raw.len() != OPENID_LEN || raw.get(..PREFIX_LEN)? != self.prefix {
            return None;
        }
        let mut value: u128 = 0;
        let body = raw.get(PREFIX_LEN..)?;
        for &c in body.get(..21)? {
            value = value << 6 | u128::from(sextet(c)?);
        }
        let last = sextet(*body.get(21)?)?;
        value = value << 2 | u128::from(last >> 4);
        let bytes = value.to_be_bytes();
        if bytes[0] >> 4 != last & 0x0f {
            return None;
        }
        let mut block = bytes.into();
        self.cipher.decrypt_block(&mut block);
        let plain: [u8; 16] = block.into();
        let (tag, number) = plain.split_at(8);
        if tag != self.tag {
            return None;
        }
        let mut index = [0u8; 8];
        index.copy_from_slice(number);
        u32::try_from(u64::from_be_bytes(index)).ok()
    }

    /// The fixed profile of follower number `index`.
    pub(crate) fn profile(&self, index: u32) -> Profile {
        let mut h = Mix(self.profile_key ^ u64::from(index).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let subscribe_time = FIRST_SUBSCRIBE
            + i64::from(index) * SUBSCRIBE_SPACING
            + (h.next() % SUBSCRIBE_SPACING as u64) as i64;
        let language = match h.next() % 20 {
            0..=16 => "zh_CN",
            17 => "zh_TW",
            _ => "en",
        };
        let (scene, qr_scene) = match h.next() % 10 {
            0..=3 => ("ADD_SCENE_SEARCH", 0),
            4..=5 => ("ADD_SCENE_QR_CODE", (h.next() % 1000 + 1) as i64),
            6 => ("ADD_SCENE_PROFILE_CARD", 0),
            7 => ("ADD_SCENE_ACCOUNT_MIGRATION", 0),
            8 => ("ADD_SCENE_WECHAT_ADVERTISEMENT", 0),
            _ => ("ADD_SCENE_OTHERS", 0),
        };
        let (province, city) = PLACES
            .get((h.next() % PLACES.len() as u64) as usize)
            .copied()
            .unwrap_or(("广东", "广州"));
        Profile {
            subscribe_time,
            language,
            subscribe_scene: scene,
            qr_scene,
            sex: (h.next() % 3) as u8,
            country: "中国",
            province,
            city,
            client_platform_type: (h.next() % 2 + 1) as u8,
        }
    }
}

/// Provinces and cities profiles are drawn from (used by conditional-menu matching).
const PLACES: &[(&str, &str)] = &[
    ("广东", "广州"),
    ("广东", "深圳"),
    ("北京", "北京"),
    ("上海", "上海"),
    ("浙江", "杭州"),
    ("江苏", "南京"),
    ("四川", "成都"),
    ("湖北", "武汉"),
];

/// What the platform knows about a follower and never changes: the parts of `user/info` that
/// are not remarks or tags, plus the attributes conditional menus match on (no longer returned
/// by `user/info` since 2021-12-27).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) subscribe_time: i64,
    pub(crate) language: &'static str,
    pub(crate) subscribe_scene: &'static str,
    pub(crate) qr_scene: i64,
    pub(crate) sex: u8,
    pub(crate) country: &'static str,
    pub(crate) province: &'static str,
    pub(crate) city: &'static str,
    pub(crate) client_platform_type: u8,
}

/// splitmix64: a small, fast, well-mixed sequence for deriving profile fields.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn alphabet(value: u8) -> u8 {
    ALPHABET
        .get(usize::from(value & 63))
        .copied()
        .unwrap_or(b'A')
}

fn sextet(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    })
}

/// Whether a string has the shape of an OpenID (28 characters of `[A-Za-z0-9_-]`).
#[cfg(test)]
fn looks_like_openid(openid: &str) -> bool {
    openid.len() == OPENID_LEN && openid.bytes().all(|c| sextet(c).is_some())
}

/// Who follows an account, in `user/get` order: the synthetic followers still following, by
/// number, then everyone who followed since (new OpenIDs, and synthetic followers who came back),
/// in the order they followed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Followers {
    /// Number of synthetic followers the account started with.
    synthetic: u32,
    /// Synthetic followers no longer in the first segment (they unfollowed; some came back and
    /// are in `late`).
    departed: BTreeSet<u32>,
    /// Followers since the start, by follow sequence number.
    late: BTreeMap<u64, String>,
    #[serde(skip)]
    late_seq: HashMap<String, u64>,
    next_seq: u64,
}

/// Where a page of followers starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// From the first follower.
    Start,
    /// After synthetic follower number `n`.
    AfterSynthetic(u32),
    /// After the late follower with this sequence number.
    AfterLate(u64),
}

impl Followers {
    /// `count` synthetic followers and nobody else.
    pub(crate) fn new(count: u32) -> Self {
        Self {
            synthetic: count,
            ..Self::default()
        }
    }

    /// Rebuilds the index that is not saved.
    pub(crate) fn reindex(&mut self) {
        self.late_seq = self.late.iter().map(|(&s, o)| (o.clone(), s)).collect();
    }

    /// How many synthetic followers the account started with.
    pub(crate) fn synthetic(&self) -> u32 {
        self.synthetic
    }

    /// Everyone following now.
    pub(crate) fn total(&self) -> u64 {
        u64::from(self.synthetic) - self.departed.len() as u64 + self.late.len() as u64
    }

    /// Whether `openid` (synthetic number `index`, if it is one) follows now.
    pub(crate) fn is_following(&self, openid: &str, index: Option<u32>) -> bool {
        if self.late_seq.contains_key(openid) {
            return true;
        }
        index.is_some_and(|i| i < self.synthetic && !self.departed.contains(&i))
    }

    /// Records a follow; returns false when `openid` already follows.
    pub(crate) fn follow(&mut self, openid: &str, index: Option<u32>) -> bool {
        if self.is_following(openid, index) {
            return false;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.late.insert(seq, openid.to_owned());
        self.late_seq.insert(openid.to_owned(), seq);
        true
    }

    /// Records an unfollow; returns false when `openid` was not following.
    pub(crate) fn unfollow(&mut self, openid: &str, index: Option<u32>) -> bool {
        if let Some(seq) = self.late_seq.remove(openid) {
            self.late.remove(&seq);
            return true;
        }
        match index {
            Some(i) if i < self.synthetic => self.departed.insert(i),
            _ => false,
        }
    }

    /// Where the page after `openid` starts, or `None` when `openid` never followed.
    pub(crate) fn cursor_after(&self, openid: &str, index: Option<u32>) -> Option<Cursor> {
        if let Some(&seq) = self.late_seq.get(openid) {
            return Some(Cursor::AfterLate(seq));
        }
        match index {
            Some(i) if i < self.synthetic => Some(Cursor::AfterSynthetic(i)),
            _ => None,
        }
    }

    /// Up to `limit` followers after `cursor`, each handed to `out` (synthetic ones by number,
    /// late ones by OpenID).
    pub(crate) fn page(&self, cursor: Cursor, limit: usize, out: impl FnMut(Member<'_>)) {
        let from = match cursor {
            Cursor::Start => Position::Synthetic(0),
            Cursor::AfterSynthetic(i) => Position::Synthetic(i.saturating_add(1)),
            Cursor::AfterLate(seq) => Position::Late(seq.saturating_add(1)),
        };
        self.page_from(from, limit, out);
    }

    /// The `limit` followers from position `offset` of the list (0 is the first).
    pub(crate) fn slice(&self, offset: u64, limit: usize, out: impl FnMut(Member<'_>)) {
        let present = u64::from(self.synthetic) - self.departed.len() as u64;
        if offset >= present {
            let skip = usize::try_from(offset - present).unwrap_or(usize::MAX);
            if let Some(&seq) = self.late.keys().nth(skip) {
                self.page_from(Position::Late(seq), limit, out);
            }
            return;
        }
        // The synthetic follower at `offset` is the i for which i minus the departed numbers
        // up to i equals `offset`; iterate to the fixed point (departures are few).
        let mut i = offset;
        loop {
            let upto = u32::try_from(i).unwrap_or(u32::MAX);
            let candidate = offset + self.departed.range(..=upto).count() as u64;
            if candidate == i {
                break;
            }
            i = candidate;
        }
        self.page_from(
            Position::Synthetic(u32::try_from(i).unwrap_or(u32::MAX)),
            limit,
            out,
        );
    }

    fn page_from(&self, from: Position, limit: usize, mut out: impl FnMut(Member<'_>)) {
        let mut left = limit;
        let late_from = match from {
            Position::Synthetic(first) => {
                let mut departed = self.departed.range(first..).peekable();
                let mut i = first;
                while left > 0 && i < self.synthetic {
                    if departed.peek() == Some(&&i) {
                        departed.next();
                    } else {
                        out(Member::Synthetic(i));
                        left -= 1;
                    }
                    i += 1;
                }
                0
            }
            Position::Late(seq) => seq,
        };
        for openid in self.late.range(late_from..).map(|(_, o)| o).take(left) {
            out(Member::Late(openid));
        }
    }
}

/// The first follower of a page, inclusive.
#[derive(Debug, Clone, Copy)]
enum Position {
    Synthetic(u32),
    Late(u64),
}

/// One follower of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Member<'a> {
    /// Synthetic follower number n.
    Synthetic(u32),
    /// Any other follower.
    Late(&'a str),
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn ids(
        followers: &Followers,
        codec: &OpenIdCodec,
        cursor: Cursor,
        limit: usize,
    ) -> Vec<String> {
        let mut out = Vec::new();
        followers.page(cursor, limit, |m| {
            out.push(match m {
                Member::Synthetic(i) => codec.encode(i),
                Member::Late(o) => o.to_owned(),
            });
        });
        out
    }

    #[test]
    fn openids_round_trip_and_look_real() {
        let codec = OpenIdCodec::new(7, "wx1234567890abcdef");
        let mut seen = std::collections::HashSet::new();
        for i in (0..2000).chain([u32::MAX - 1, 999_999]) {
            let openid = codec.encode(i);
            assert_eq!(openid.len(), 28);
            assert!(openid.starts_with('o'));
            assert!(looks_like_openid(&openid), "{openid}");
            assert_eq!(codec.decode(&openid), Some(i));
            assert!(seen.insert(openid));
        }
    }

    #[test]
    fn foreign_and_altered_openids_are_refused() {
        let codec = OpenIdCodec::new(7, "wx1234567890abcdef");
        let other = OpenIdCodec::new(8, "wx1234567890abcdef");
        let openid = codec.encode(42);
        assert_eq!(other.decode(&openid), None);
        let mut altered = openid.clone().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        assert_eq!(codec.decode(std::str::from_utf8(&altered).unwrap()), None);
        assert_eq!(codec.decode("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"), None);
        assert_eq!(codec.decode("short"), None);
        assert_eq!(codec.decode(&format!("{openid}x")), None);
    }

    #[test]
    fn same_seed_same_data() {
        let a = OpenIdCodec::new(1, "wx1234567890abcdef");
        let b = OpenIdCodec::new(1, "wx1234567890abcdef");
        assert_eq!(a.encode(5), b.encode(5));
        assert_eq!(a.profile(5), b.profile(5));
        assert_ne!(
            a.encode(5),
            OpenIdCodec::new(2, "wx1234567890abcdef").encode(5)
        );
        assert!(a.profile(1).subscribe_time > a.profile(0).subscribe_time);
    }

    #[test]
    fn paging_skips_departed_and_continues_into_late() {
        let codec = OpenIdCodec::new(1, "wx1234567890abcdef");
        let mut f = Followers::new(5);
        assert!(f.unfollow(&codec.encode(1), Some(1)));
        assert!(f.follow("oNEW", None));
        assert!(f.follow(&codec.encode(1), Some(1)));
        assert!(!f.follow("oNEW", None));
        assert_eq!(f.total(), 6);
        let all = ids(&f, &codec, Cursor::Start, 100);
        let expected = vec![
            codec.encode(0),
            codec.encode(2),
            codec.encode(3),
            codec.encode(4),
            "oNEW".to_owned(),
            codec.encode(1),
        ];
        assert_eq!(all, expected);
        let first = ids(&f, &codec, Cursor::Start, 4);
        let last = first.last().unwrap();
        let cursor = f.cursor_after(last, codec.decode(last)).unwrap();
        assert_eq!(ids(&f, &codec, cursor, 4), expected[4..].to_vec());
        let end = f.cursor_after(&codec.encode(1), Some(1)).unwrap();
        assert!(ids(&f, &codec, end, 4).is_empty());
        for offset in 0..7 {
            let mut got = Vec::new();
            f.slice(offset, 2, |m| {
                got.push(match m {
                    Member::Synthetic(i) => codec.encode(i),
                    Member::Late(o) => o.to_owned(),
                })
            });
            let want: Vec<String> = expected
                .iter()
                .skip(offset as usize)
                .take(2)
                .cloned()
                .collect();
            assert_eq!(got, want, "offset {offset}");
        }
    }
}
