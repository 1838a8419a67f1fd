#!/usr/bin/env python3
"""Reads what 'okra checkpoint --qr' drew (UTF-8 half blocks, black on white) on stdin and writes
the code as a PBM picture on stdout, each module 4x4 pixels, for zbarimg to read back."""
import re
import sys

GLYPH = {' ': (0, 0), '\u2584': (0, 1), '\u2580': (1, 0), '\u2588': (1, 1)}
rows = []
for line in sys.stdin.read().split('\n'):
    if '\x1b[30;47m' not in line:
        continue
    cells = [GLYPH[c] for c in re.sub(r'\x1b\[[0-9;]*m', '', line)]
    rows.append([t for t, _ in cells])
    rows.append([b for _, b in cells])
if not rows:
    sys.exit('no QR code in the input')
scale = 4
width = max(len(r) for r in rows)
out = ['P1', f'{width * scale} {len(rows) * scale}']
for r in rows:
    px = ' '.join(str(b) for b in r for _ in range(scale))
    out.extend([px] * scale)
sys.stdout.write('\n'.join(out) + '\n')
