#!/usr/bin/env python3
"""bmp2png.py - SDL's BMP screenshot as a PNG, with nothing but Python's
standard library (no ImageMagick, no Pillow on a learner's machine).

    python3 slides/pictures/bmp2png.py IN.bmp OUT.png

Reads what SDL_SaveBMP() writes: uncompressed 24- or 32-bit pixels
(BI_RGB, or BI_BITFIELDS with the usual masks), rows bottom-up or top-down.
"""
import struct
import sys
import zlib


def read_bmp(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"BM":
        sys.exit("bmp2png: %s is not a BMP" % path)
    offset, = struct.unpack_from("<I", data, 10)
    header_size, width, height, _, bits, compression = struct.unpack_from(
        "<IiiHHI", data, 14)
    if bits not in (24, 32) or compression not in (0, 3):
        sys.exit("bmp2png: %s: %d bits, compression %d: not read here"
                 % (path, bits, compression))
    masks = (0x00FF0000, 0x0000FF00, 0x000000FF)  # BI_RGB: B, G, R bytes
    if compression == 3:
        masks = struct.unpack_from("<III", data, 14 + 40) \
            if header_size == 40 else struct.unpack_from("<III", data, 54)
    shifts = [(m & -m).bit_length() - 1 for m in masks]
    step = bits // 8
    stride = (width * step + 3) & ~3
    rows = []
    for y in range(abs(height)):
        # A positive height stores the bottom row first.
        row_y = abs(height) - 1 - y if height > 0 else y
        start = offset + row_y * stride
        row = bytearray()
        for x in range(width):
            pixel = int.from_bytes(data[start + x * step:
                                        start + (x + 1) * step], "little")
            row += bytes((pixel & m) >> s for m, s in zip(masks, shifts))
        rows.append(bytes(row))
    return width, abs(height), rows


def write_png(path, width, height, rows):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    raw = b"".join(b"\0" + row for row in rows)  # filter 0 on every row
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                           0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bmp2png.py IN.bmp OUT.png")
    write_png(sys.argv[2], *read_bmp(sys.argv[1]))


if __name__ == "__main__":
    main()
