#!/usr/bin/env python3
"""A PKCS #12 of COUNT encrypted parts (pbeWithSHA1And3-KeyTripleDES-CBC, ITER
iterations each) and no MAC, for the tests of okra's per-file cost limit. The
parts hold random bytes: okra must refuse the file before deriving any key.

usage: p12-bags.py COUNT ITER OUT.p12
"""
import os, sys

def der(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body

def integer(v):
    return der(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), 'big'))

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
DATA, ENCRYPTED = '1.2.840.113549.1.7.1', '1.2.840.113549.1.7.6'
PBE_3DES = '1.2.840.113549.1.12.1.3'

count, iters, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
parts = []
for _ in range(count):
    alg = seq(oid(PBE_3DES), seq(der(0x04, os.urandom(8)), integer(iters)))
    enc_info = seq(oid(DATA), alg, der(0x80, os.urandom(64)))
    parts.append(seq(oid(ENCRYPTED), der(0xa0, seq(integer(0), enc_info))))
auth_safe = seq(*parts)
pfx = seq(integer(3), seq(oid(DATA), der(0xa0, der(0x04, auth_safe))))
open(out, 'wb').write(pfx)
