#!/usr/bin/env python3
"""An encrypted PKCS #8 (PEM) under PBES2 with scrypt and AES-256-CBC, with the
scrypt parameters given, for the tests of okra's cost limits.

usage: p8-scrypt.py KEY.pem PASSWORD N R P OUT.pem [--no-derive]

The key is derived with Python's hashlib.scrypt and encrypted with the stock
openssl enc; the DER is written here. --no-derive writes random bytes where the
ciphertext goes (for parameters no one could derive: okra must refuse them
before deriving anything).
"""
import base64, hashlib, os, subprocess, sys

def der(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body

def integer(v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), 'big')
    return der(0x02, b)

def oid(dotted):
    parts = [int(x) for x in dotted.split('.')]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7f]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7f))
            p >>= 7
        body += bytes(reversed(enc))
    return der(0x06, body)

seq = lambda *xs: der(0x30, b''.join(xs))
octets = lambda b: der(0x04, b)

key_pem, password, n, r, p, out = sys.argv[1], sys.argv[2].encode(), *map(int, sys.argv[3:6]), sys.argv[6]
derive = '--no-derive' not in sys.argv
plain = subprocess.run(['openssl', 'pkcs8', '-topk8', '-nocrypt', '-outform', 'DER', '-in', key_pem],
                       check=True, capture_output=True).stdout
salt, iv = os.urandom(16), os.urandom(16)
if derive:
    k = hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * n * r * p + (64 << 20), dklen=32)
    ct = subprocess.run(['openssl', 'enc', '-aes-256-cbc', '-K', k.hex(), '-iv', iv.hex()], input=plain,
                        check=True, capture_output=True).stdout
else:
    ct = os.urandom((len(plain) // 16 + 1) * 16)
alg = seq(oid('1.2.840.113549.1.5.13'),
          seq(seq(oid('1.3.6.1.4.1.11591.4.11'), seq(octets(salt), integer(n), integer(r), integer(p), integer(32))),
              seq(oid('2.16.840.1.101.3.4.1.42'), octets(iv))))
body = base64.encodebytes(seq(alg, octets(ct))).decode()
with open(out, 'w') as f:
    f.write('-----BEGIN ENCRYPTED PRIVATE KEY-----\n' + body + '-----END ENCRYPTED PRIVATE KEY-----\n')
