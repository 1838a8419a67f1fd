#!/bin/bash
# Export files other tools write: a PKCS #8 "PRIVATE KEY" under old-style PEM encryption opens; a
# PBES2 with AES-256-GCM is refused naming AES-GCM; an RSA key whose n is not p*q is refused when
# inspected (as `openssl pkey -check` refuses it); Java KeyStores (JKS, JCEKS) are named, sealed as
# they are with the keytool command that makes a PKCS #12 of them, and recovered byte for byte;
# OpenSSH and OpenPGP secret keys are named, and sealed as they are only with import --as opaque.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"
ODD=$(cd "$TESTS_LIB/../tools" && pwd)/odd-exports.py
python3 -c 'import cryptography' 2>/dev/null || fatal "python3-cryptography is missing ('make deps')"
make_keys "$TMP/k"
F=$TMP/f; mkdir -p "$F"
openssl pkcs8 -topk8 -nocrypt -in "$TMP/k/rsa.key" -out "$TMP/rsa8.pem"
python3 "$ODD" proc-type-pkcs8 "$TMP/k/plain.pem" "$F/proc-type.pem" Proc-PW-1 || fatal "odd-exports failed"
python3 "$ODD" pbes2-gcm "$TMP/rsa8.pem" "$F/gcm.pem" Gcm-PW-2 || fatal "odd-exports failed"
python3 "$ODD" forged-rsa "$F/forged.key" || fatal "odd-exports failed"

# ---- old-style PEM encryption around PKCS #8 ----
ok "stock openssl opens the Proc-Type PKCS #8 with its password" \
   openssl pkey -in "$F/proc-type.pem" -passin pass:Proc-PW-1 -noout
run_okra --passphrase-file "$(pwfile Proc-PW-1)" inspect "$F/proc-type.pem"
is "$RC" 0 "okra inspect opens it too"
like "$OUT" "algorithms +PEM AES-256-CBC \\(MD5 key derivation\\)" "naming its encryption"
like "$OUT" "key +EC P-256" "and its key"
run_okra --passphrase-file "$(pwfile not-it)" inspect "$F/proc-type.pem"
is "$RC" 1 "a wrong password is refused"
like "$ERR" "wrong password or damaged file" "as such, not as a damaged PEM"
test_vault
run_okra --vault "$V" --passphrase-file "$(pwfile Proc-PW-1)" --json import --inspect "$F/proc-type.pem"
is "$(jq -r '.files[0].status' <<<"$OUT")" sealed "import --inspect seals it inspected"
is "$(must_okra --vault "$V" --json list | jq -r '.[0] | [.format, .inspected] | map(tostring) | join(" ")')" \
   "pem-pkcs8-encrypted true" "as an encrypted PKCS #8 PEM, inspected"

# ---- PBES2 with AES-256-GCM ----
run_okra --passphrase-file "$(pwfile Gcm-PW-2)" inspect "$F/gcm.pem"
is "$RC" 1 "an AES-256-GCM PKCS #8 is refused, with the right password"
like "$ERR" "uses PBES2 with AES-256-GCM: AES-GCM is not supported for password-based encryption" \
   "naming AES-GCM, not a wrong password"
run_okra --vault "$V" --passphrase-file "$(pwfile Gcm-PW-2)" import --inspect "$F/gcm.pem"
is "$RC" 1 "import --inspect refuses it"
like "$ERR" "AES-GCM is not supported" "with the same reason"

# ---- an RSA key whose n is not p*q ----
nok "openssl pkey -check refuses the forged key" openssl pkey -check -in "$F/forged.key" -noout
run_okra inspect "$F/forged.key"
is "$RC" 1 "okra inspect refuses it"
like "$ERR" "its RSA private key is inconsistent: its modulus n is not the product of its primes p and q" "saying what does not hold"
run_okra --vault "$V" import --inspect "$F/forged.key"
is "$RC" 1 "import --inspect refuses it"
mkdir -p "$TMP/m"; cp "$F/forged.key" "$TMP/k/rsa.key" "$TMP/m/"
run_okra --vault "$V" scan --inspect "$TMP/m"
like "$OUT" "sealed uninspected  forged.key  as [0-9a-f]{16}: its RSA private key is inconsistent" \
   "scan --inspect seals it uninspected, with the reason"
like "$OUT" "sealed              rsa.key  as [0-9a-f]{16} \\(pem-pkcs8, key only\\)" "a sound RSA key is still inspected"

# ---- Java KeyStores ----
if command -v keytool >/dev/null; then
  J=$TMP/java; mkdir -p "$J"
  for t in JKS JCEKS; do
    keytool -genkeypair -alias me -keyalg RSA -keysize 2048 -dname "CN=Java $t" -validity 30 -storetype "$t" \
      -keystore "$J/store-$t.ks" -storepass "Store-PW-$t" -keypass "Store-PW-$t" >/dev/null 2>&1 || fatal "keytool failed"
  done
  run_okra inspect "$J/store-JKS.ks"
  like "$OUT" "format +jks" "okra inspect names a JKS"
  like "$OUT" "inspected +no: a Java KeyStore \\(JKS\\)" "and says it is not opened"
  test_vault "$TMP/vj"
  run_okra --vault "$TMP/vj" scan "$J"
  is "$RC" 0 "scan seals the keystores by default"
  like "$OUT" "sealed              store-JCEKS.ks  as [0-9a-f]{16} \\(jceks; a Java KeyStore \\(JCEKS\\)" "a JCEKS, named"
  cmd=$(sed -n "s/.*store-JKS.ks  as .*'\\(keytool -importkeystore [^']*\\)'.*/\\1/p" <<<"$OUT")
  is "$cmd" "keytool -importkeystore -srckeystore store-JKS.ks -srcstoretype JKS -destkeystore store-JKS.p12 -deststoretype PKCS12" \
     "the JKS's line gives the keytool command that makes a PKCS #12 of it"
  ( cd "$J" && $cmd -srcstorepass Store-PW-JKS -deststorepass P12-PW -noprompt >/dev/null 2>&1 )
  run_okra --passphrase-file "$(pwfile P12-PW)" inspect "$J/store-JKS.p12"
  like "$OUT" "subject +CN=Java JKS" "and that command, run, gives a PKCS #12 okra inspects"
  is "$(must_okra --vault "$TMP/vj" --json list --format jks | jq -r '.[0].inspected')" false "recorded format jks, not inspected"
  run_okra --vault "$TMP/vj" --passphrase-file "$(pwfile x)" import --inspect "$J/store-JKS.ks"
  like "$OUT" "already sealed" "import --inspect of the same store: already sealed"
else
  skip "keytool is not installed"
fi

# ---- OpenSSH and OpenPGP secret keys: only when declared ----
ssh-keygen -q -t ed25519 -N '' -C test -f "$F/id_ed25519" || fatal "ssh-keygen failed"
G=$TMP/gnupg; mkdir -m 700 "$G"
gpg --homedir "$G" --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'Okra Test <t@example.com>' ed25519 sign never 2>/dev/null &&
  gpg --homedir "$G" --batch --pinentry-mode loopback --passphrase '' --export-secret-keys >"$F/secret.gpg" &&
  gpg --homedir "$G" --batch --pinentry-mode loopback --passphrase '' --armor --export-secret-keys >"$F/secret.asc" ||
  fatal "gpg could not make a secret key"
gpgconf --homedir "$G" --kill gpg-agent 2>/dev/null
test_vault "$TMP/vo"
before=$(vault_snapshot "$TMP/vo")
for f in id_ed25519 secret.gpg secret.asc; do
  run_okra --vault "$TMP/vo" import "$F/$f"
  is "$RC" 1 "import of $f without --as opaque is refused"
  like "$ERR" "holds an (OpenSSH private|OpenPGP secret) key.*, which okra does not inspect; 'okra import --as opaque' seals it as it is" \
     "naming what it is and --as opaque"
done
is "$(vault_snapshot "$TMP/vo")" "$before" "nothing sealed by default"
run_okra --vault "$TMP/vo" import --as opaque "$F/id_ed25519" "$F/id_ed25519.pub"
is "$RC" 1 "--as opaque refuses a file that is no key okra names (a public key)"
like "$ERR" "id_ed25519.pub: .*; --as opaque takes only OpenSSH and OpenPGP secret keys" "saying what --as opaque takes"
run_okra --vault "$TMP/vo" --json import --as opaque "$F/id_ed25519" "$F/secret.gpg" "$F/secret.asc" "$TMP/k/plain.pem"
is "$RC" 0 "import --as opaque seals them"
is "$(must_okra --vault "$TMP/vo" --json list | jq -r 'map(.format) | join(" ")')" "openssh pgp-secret-key pgp-secret-key pem-pkcs8" \
   "as openssh and pgp-secret-key, and an export file as what it is"

# ---- recovered byte for byte ----
if command -v keytool >/dev/null; then
  new_ceremony 1 1 "$TMP/vr" "$TMP/sr" || fatal "ceremony init failed"
  must_okra --vault "$TMP/vr" import --as opaque "$J/store-JKS.ks" "$F/id_ed25519" >/dev/null
  must_okra --vault "$TMP/vr" import "$J/store-JCEKS.ks" >/dev/null
  ids=$(must_okra --vault "$TMP/vr" --json list | jq -r '.[].id' | tr '\n' ' ')
  run_okra --vault "$TMP/vr" --passphrase-file "$(pwfile pw-1)" ceremony recover --share "${SHARE[1]}" --out "$TMP/out" $ids
  is "$RC" 0 "a quorum recovers the keystores and the OpenSSH key"
  for f in "$J/store-JKS.ks" "$J/store-JCEKS.ks" "$F/id_ed25519"; do
    id=$(sha256sum <"$f" | cut -c1-16)
    ok "$(basename "$f") comes back byte for byte" cmp "$f" "$TMP/out/$id-$(basename "$f")"
  done
else
  skip "keytool is not installed"
fi
done_testing
