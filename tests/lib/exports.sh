# exports.sh: the export files officers bring, made with the OpenSSL CLI in the shapes Windows and
# others write them (13 files: PKCS #12 old and new, PEM and DER keys, encrypted and not).
# Sourced by tests; make_exports DIR writes DIR/files/* (keys and certificates in DIR/ossl) and
# DIR/passwords (one line per file, in sorted file order).

# Which key (and certificate, "-" for none) of DIR/ossl each export file holds.
export_key() {
  case ${1##*/} in
    01-*|02-*|08-*|10-*|11-*) echo rsa ;;
    03-*|13-*) echo rsa4k ;;
    04-*|09-*|12-*) echo p256 ;;
    05-*) echo p384 ;;
    06-*) echo ed ;;
    07-*) echo leaf ;;
  esac
}
export_has_cert() { case ${1##*/} in 11-*|12-*|13-*) return 1 ;; *) return 0 ;; esac; }

make_exports() {
  local d=$1 o=$1/ossl
  mkdir -p "$d/files" "$o"
  ( cd "$o"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.crt -subj "/CN=Alice Officer/O=Example Corp" -days 700 2>/dev/null
    openssl req -x509 -newkey rsa:4096 -nodes -keyout rsa4k.key -out rsa4k.crt -subj "/CN=Bob Big/O=Example Corp" -days 700 2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p256.key -out p256.crt -subj "/CN=Carol Curve" -days 700 2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout p384.key -out p384.crt -subj "/CN=Dan Curve/OU=PKI" -days 700 2>/dev/null
    openssl req -x509 -newkey ed25519 -nodes -keyout ed.key -out ed.crt -subj "/CN=Erin Edwards" -days 700 2>/dev/null
    # a three-level chain: root -> intermediate -> leaf
    openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -subj "/CN=Example Root CA" -days 900 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=Example Issuing CA" 2>/dev/null
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n' >ca.ext
    openssl x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial -out int.crt -days 800 -extfile ca.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=Frank Leaf/emailAddress=frank@example.com" 2>/dev/null
    openssl x509 -req -in leaf.csr -CA int.crt -CAkey int.key -CAcreateserial -out leaf.crt -days 700 2>/dev/null
    cat int.crt root.crt >chain.pem
  ) || { echo "# openssl could not make fixtures"; return 1; }
  local f=$d/files
  openssl pkcs12 -export -legacy -in "$o/rsa.crt" -inkey "$o/rsa.key" -name "Alice (Windows 2003 export)" -out "$f/01-win2003-legacy.pfx" -passout pass:Legacy-RC2-pw
  openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -in "$o/rsa.crt" -inkey "$o/rsa.key" -out "$f/02-tripledes-sha1.pfx" -passout pass:TripleDES-pw
  openssl pkcs12 -export -in "$o/rsa4k.crt" -inkey "$o/rsa4k.key" -out "$f/03-aes256-sha256.pfx" -passout pass:Aes256-pw
  openssl pkcs12 -export -in "$o/p256.crt" -inkey "$o/p256.key" -out "$f/04-ec-p256.pfx" -passout pass:P256-pw
  openssl pkcs12 -export -in "$o/p384.crt" -inkey "$o/p384.key" -certpbe NONE -out "$f/05-ec-p384-plain-certs.pfx" -passout pass:P384-pw
  openssl pkcs12 -export -in "$o/ed.crt" -inkey "$o/ed.key" -out "$f/06-ed25519.pfx" -passout pass:Ed25519-pw
  openssl pkcs12 -export -in "$o/leaf.crt" -inkey "$o/leaf.key" -certfile "$o/chain.pem" -out "$f/07-chain.pfx" -passout pass:Chain-pw
  openssl pkcs12 -export -legacy -in "$o/rsa.crt" -inkey "$o/rsa.key" -name "Zoë Ünïcode" -out "$f/08-unicode.pfx" -passout pass:pässwörd-Ω
  openssl pkcs12 -export -in "$o/p256.crt" -inkey "$o/p256.key" -iter 200000 -out "$f/09-high-iter.pfx" -passout pass:Iter-pw
  openssl pkcs12 -export -in "$o/rsa.crt" -inkey "$o/rsa.key" -out "$f/10-empty-password.pfx" -passout pass:
  openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$o/rsa.key" -out "$f/11-pkcs8-encrypted.pem" -passout pass:Pkcs8-pw
  openssl pkcs8 -topk8 -nocrypt -in "$o/p256.key" -outform DER -out "$f/12-pkcs8.der"
  openssl pkey -in "$o/rsa4k.key" -traditional -out "$f/13-pkcs1.key" 2>/dev/null
  printf '%s\n' Legacy-RC2-pw TripleDES-pw Aes256-pw P256-pw P384-pw Ed25519-pw Chain-pw 'pässwörd-Ω' Iter-pw '' Pkcs8-pw '' '' >"$d/passwords"
  [[ $(ls "$f" | wc -l) == 13 ]] || { echo "# fixtures: $(ls "$f" | wc -l) files made, not 13"; return 1; }
}
