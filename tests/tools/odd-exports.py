#!/usr/bin/env python3
"""odd-exports.py: export files as other tools write them, for the tests (never installed).

  odd-exports.py proc-type-pkcs8 KEY.pem OUT PASSWORD
      a PKCS #8 "PRIVATE KEY" block under old-style PEM encryption (Proc-Type: 4,ENCRYPTED and
      DEK-Info: AES-256-CBC), as Go's x509.EncryptPEMBlock writes it: the key is
      EVP_BytesToKey(MD5, PASSWORD, the IV's first 8 bytes)
  odd-exports.py pbes2-gcm KEY.pem OUT PASSWORD
      an encrypted PKCS #8 whose PBES2 cipher is AES-256-GCM (RFC 5084 parameters), which
      OpenSSL cannot write nor read
  odd-exports.py forged-rsa OUT
      a PKCS #1 RSA key whose modulus n is not p*q (another key's n), which `openssl pkey -check`
      refuses

KEY.pem is an unencrypted PKCS #8 PEM key. Needs python3-cryptography.
"""
import base64
import hashlib
import os
import sys

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(v):
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, 'big'))


def der_oid(dotted):
    parts = [int(x) for x in dotted.split('.')]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7f]
        p >>= 7
        while p:
            chunk.insert(0, 0x80 | (p & 0x7f))
            p >>= 7
        out += bytes(chunk)
    return tlv(0x06, out)


def seq(*items):
    return tlv(0x30, b''.join(items))


def pem(label, der, headers=''):
    b = base64.b64encode(der).decode()
    return '-----BEGIN %s-----\n%s%s\n-----END %s-----\n' % (
        label, headers, '\n'.join(b[i:i + 64] for i in range(0, len(b), 64)), label)


def read_der(path):
    lines = open(path).read().split('\n')
    return base64.b64decode(''.join(l for l in lines if l and not l.startswith('-----')))


def proc_type_pkcs8(src, out, password):
    der, pw, iv = read_der(src), password.encode(), os.urandom(16)
    key, prev = b'', b''
    while len(key) < 32:
        prev = hashlib.md5(prev + pw + iv[:8]).digest()
        key += prev
    p = padding.PKCS7(128).padder()
    e = Cipher(algorithms.AES(key[:32]), modes.CBC(iv)).encryptor()
    ct = e.update(p.update(der) + p.finalize()) + e.finalize()
    headers = 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,%s\n\n' % iv.hex().upper()
    open(out, 'w').write(pem('PRIVATE KEY', ct, headers))


def pbes2_gcm(src, out, password):
    der, salt, nonce = read_der(src), os.urandom(16), os.urandom(12)
    iterations = 2048
    key = hashlib.pbkdf2_hmac('sha256', password.encode(), salt, iterations, 32)
    ct = AESGCM(key).encrypt(nonce, der, None)
    kdf = seq(der_oid('1.2.840.113549.1.5.12'),
              seq(tlv(0x04, salt), der_int(iterations), der_int(32),
                  seq(der_oid('1.2.840.113549.2.9'), b'\x05\x00')))
    enc = seq(der_oid('2.16.840.1.101.3.4.1.46'), seq(tlv(0x04, nonce), der_int(16)))
    alg = seq(der_oid('1.2.840.113549.1.5.13'), seq(kdf, enc))
    open(out, 'w').write(pem('ENCRYPTED PRIVATE KEY', seq(alg, tlv(0x04, ct))))


def forged_rsa(out):
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
    fields = (0, other.public_numbers.n, k.public_numbers.e, k.d, k.p, k.q, k.dmp1, k.dmq1, k.iqmp)
    open(out, 'w').write(pem('RSA PRIVATE KEY', seq(*(der_int(v) for v in fields))))


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    {'proc-type-pkcs8': proc_type_pkcs8, 'pbes2-gcm': pbes2_gcm, 'forged-rsa': forged_rsa}[cmd](*args)
