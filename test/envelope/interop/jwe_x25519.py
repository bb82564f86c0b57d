"""A second, independent JWE ECDH-ES+A256KW / X25519 / A256GCM implementation (RFC 7516, RFC 7518
4.6 and 4.4, RFC 8037), written on Python's `cryptography` primitives and sharing no code with jose.
The interop test drives it over stdin/stdout: {"mode": "encrypt" | "decrypt", ...} -> JSON."""
import base64, json, os, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG = b"ECDH-ES+A256KW"

def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def unb64u(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def kek(z):
    # RFC 7518 4.6.2: AlgorithmID, empty PartyUInfo and PartyVInfo, SuppPubInfo = 256 bits.
    other = struct.pack(">I", len(ALG)) + ALG + struct.pack(">I", 0) + struct.pack(">I", 0) + struct.pack(">I", 256)
    return ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=other).derive(z)

def encrypt(req):
    protected = b64u(json.dumps(req["protected"], separators=(",", ":")).encode())
    cek, iv = os.urandom(32), os.urandom(12)
    recipients = []
    for r in req["recipients"]:
        eph = X25519PrivateKey.generate()
        z = eph.exchange(X25519PublicKey.from_public_bytes(unb64u(r["x"])))
        epk = {"kty": "OKP", "crv": "X25519", "x": b64u(eph.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))}
        recipients.append({"header": {"alg": ALG.decode(), "kid": r["kid"], "epk": epk}, "encrypted_key": b64u(aes_key_wrap(kek(z), cek))})
    ct = AESGCM(cek).encrypt(iv, req["plaintext"].encode(), protected.encode())
    return {"protected": protected, "recipients": recipients, "iv": b64u(iv), "ciphertext": b64u(ct[:-16]), "tag": b64u(ct[-16:])}

def decrypt(req):
    jwe, key = req["jwe"], X25519PrivateKey.from_private_bytes(unb64u(req["d"]))
    header = json.loads(unb64u(jwe["protected"]))
    entry = next(r for r in jwe["recipients"] if r["header"]["kid"] == req["kid"])
    epk = entry["header"].get("epk") or header["epk"]
    z = key.exchange(X25519PublicKey.from_public_bytes(unb64u(epk["x"])))
    cek = aes_key_unwrap(kek(z), unb64u(entry["encrypted_key"]))
    pt = AESGCM(cek).decrypt(unb64u(jwe["iv"]), unb64u(jwe["ciphertext"]) + unb64u(jwe["tag"]), jwe["protected"].encode())
    return {"plaintext": pt.decode(), "protected": header}

req = json.load(sys.stdin)
json.dump(encrypt(req) if req["mode"] == "encrypt" else decrypt(req), sys.stdout)
