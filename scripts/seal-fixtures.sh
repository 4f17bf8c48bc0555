#!/usr/bin/env bash
# Regenerates fixtures/inbound/encrypted/: every plaintext push of fixtures/inbound/, encrypted
# as the platform sends it in safe mode, with the query string it would carry. Run from the
# repository root after adding a plaintext fixture: existing encrypted fixtures are kept (the
# README decrypts text.xml with its recorded msg_signature); --force seals everything anew with
# fresh random prefixes. crates/wxoa-crypto/tests/it/fixtures.rs checks them all.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p wxoa-cli
wxoa=${CARGO_TARGET_DIR:-target}/debug/wxoa
export WXOA_TOKEN=wxoatoken
export WXOA_AES_KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
export WXOA_APP_ID=wx0123456789abcdef
timestamp=1700000000
nonce=1234567890
out=fixtures/inbound/encrypted
signature=$($wxoa crypto sign --timestamp $timestamp --nonce $nonce)
force=${1:-}
touch "$out/queries.txt"
if [ "$force" = --force ]; then : > "$out/queries.txt"; fi
for plain in fixtures/inbound/*.xml; do
  name=$(basename "$plain")
  if [ -f "$out/$name" ] && grep -q "^$name " "$out/queries.txt"; then continue; fi
  reply=$($wxoa crypto encrypt --timestamp $timestamp --nonce $nonce < "$plain")
  encrypt=$(sed -n 's/.*<Encrypt><!\[CDATA\[\(.*\)\]\]><\/Encrypt>.*/\1/p' <<<"$reply")
  msg_signature=$(sed -n 's/.*<MsgSignature><!\[CDATA\[\(.*\)\]\]><\/MsgSignature>.*/\1/p' <<<"$reply")
  parsed=$($wxoa parse --compact < "$plain")
  to=$(sed -n 's/.*"to_user_name":"\([^"]*\)".*/\1/p' <<<"$parsed")
  from=$(sed -n 's/.*"from_user_name":"\([^"]*\)".*/\1/p' <<<"$parsed")
  printf '<xml>\n  <ToUserName><![CDATA[%s]]></ToUserName>\n  <Encrypt><![CDATA[%s]]></Encrypt>\n</xml>\n' "$to" "$encrypt" > "$out/$name"
  echo "$name signature=$signature&timestamp=$timestamp&nonce=$nonce&openid=$from&encrypt_type=aes&msg_signature=$msg_signature" >> "$out/queries.txt"
done
sort -o "$out/queries.txt" "$out/queries.txt"
echo "$(wc -l < "$out/queries.txt") sealed fixtures in $out"
