#!/usr/bin/env python3
"""An independent reader of proctor bundles, written from docs/bundle-format.md alone.

Checks the vectors in this folder against vector.json: python3 read_vector.py
Needs python3-cryptography (AES-GCM, Ed25519) and libsodium (sealed boxes, XChaCha20) via ctypes.
"""
import ctypes, ctypes.util, hashlib, json, os, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
assert sodium.sodium_init() >= 0


def seal_open(box, pk, sk):
    out = ctypes.create_string_buffer(len(box) - 48)
    ok = sodium.crypto_box_seal_open(out, box, ctypes.c_ulonglong(len(box)), pk, sk) == 0
    return out.raw if ok else None


def aead_open(cipher, key, nonce, sealed, ad):
    if cipher == 1:
        try:
            return AESGCM(key).decrypt(nonce, sealed, ad)
        except Exception:
            return None
    out = ctypes.create_string_buffer(max(1, len(sealed) - 16))
    outlen = ctypes.c_ulonglong()
    ok = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(outlen), None, sealed, ctypes.c_ulonglong(len(sealed)), ad, ctypes.c_ulonglong(len(ad)), nonce, key) == 0
    return out.raw[:outlen.value] if ok else None


class Parser:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        assert self.p + n <= len(self.b), "short"
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def u(self, n):
        return int.from_bytes(self.take(n), "little")

    def s(self):
        return self.take(self.u(2)).decode("utf-8")


def read(data, pk, sk):
    p = Parser(data)
    assert p.take(8) == b"PROCTOR\x1a" and p.u(2) == 1
    body = Parser(p.take(p.u(4)))
    cipher = body.u(1)
    assert (body.u(1), body.u(1), body.u(1)) == (1, 1, 1)
    header = dict(examId=body.s(), examHash=body.take(32).hex(), studentId=body.s(), sessionId=body.s(),
                  start=struct.unpack("<q", body.take(8))[0])
    recipients = [(body.take(32), body.s()) for _ in range(body.u(1))]
    assert body.p == len(body.b)
    mine = [k for k, _ in recipients].index(pk)
    nonce_len = 12 if cipher == 1 else 24
    records, parts, part = [], [], -1
    while p.p < len(data):
        start = p.p
        if data[start] == 0x50:
            part += 1
            assert p.take(4) == b"PART" and p.u(4) == part
            signing_key = p.take(32)
            assert p.take(32) == hashlib.sha256(data[:start]).digest(), "preceding hash"
            wrapped = [p.take(80) for _ in recipients]
            tag = p.take(16)
            key = seal_open(wrapped[mine], pk, sk)
            assert key is not None, "wrapped key"
            assert aead_open(cipher, key, bytes(8) + b"\xff" * (nonce_len - 8), tag, data[start:p.p - 16]) == b"", "header tag"
            part_hash = hashlib.sha256(data[start:p.p]).digest()
            index = 0
            parts.append(0)
        elif data[start] == 0x7F:
            p.take(2)
            length = p.u(4)
            assert p.u(4) == length ^ 0xFFFFFFFF
            body = p.take(length)
            manifest, signature = body[:-64], body[-64:]
            Ed25519PublicKey.from_public_bytes(signing_key).verify(signature, b"proctor-bundle-final-v1" + part_hash + manifest)
            assert manifest[-32:] == hashlib.sha256(data[:start]).digest(), "file hash"
            media_micros = int.from_bytes(manifest[-40:-32], "little")
            assert p.p == len(data)
            return header, cipher, records, media_micros / 1e6
        else:
            rtype, flags = p.u(1), p.u(1)
            length = p.u(4)
            assert p.u(4) == length ^ 0xFFFFFFFF
            sealed = p.take(length)
            ad = part_hash + struct.pack("<IQBB", part, index, rtype, flags)
            nonce = struct.pack("<Q", index) + bytes(nonce_len - 8)
            plain = aead_open(cipher, key, nonce, sealed, ad)
            assert plain is not None, f"record {index} of part {part}"
            records.append((rtype, plain))
            index += 1
    raise AssertionError("no final record")


here = os.path.dirname(os.path.abspath(__file__))
expected = json.load(open(os.path.join(here, "vector.json")))
for name in expected["files"]:
    data = open(os.path.join(here, name), "rb").read()
    for r in expected["recipients"]:
        header, cipher, records, media = read(data, bytes.fromhex(r["x25519PublicKeyHex"]), bytes.fromhex(r["x25519SecretKeyHex"]))
        assert [(t, pl.hex()) for t, pl in records] == [(x["type"], x["payloadHex"]) for x in expected["records"]], name
        assert header["studentId"] == expected["studentId"] and header["start"] == expected["startTimeUnixMilliseconds"]
        assert media == expected["mediaDurationSeconds"]
        print(f"{name}: {r['name']} opens {len(records)} records, cipher {cipher}, media {media} s: ok")
