"""JWE through jwcrypto (an independent JOSE library from PyPI), for test/envelope/interop.test.ts.

Reads one JSON request on stdin, writes one JSON answer on stdout:
- {"mode": "encrypt", "protected": {...}, "recipients": [{"kid", "x"}], "plaintext"} -> a JWE in
  General JSON serialization, ECDH-ES+A256KW to each X25519 key, A256GCM;
- {"mode": "decrypt", "jwe": {...}, "kid", "x", "d"} -> {"plaintext", "protected"}.
"""
import json
import sys

from jwcrypto import jwe, jwk
from jwcrypto.common import json_encode


def main() -> None:
    req = json.load(sys.stdin)
    if req["mode"] == "encrypt":
        token = jwe.JWE(req["plaintext"].encode("utf-8"), protected=json_encode({**req["protected"], "enc": "A256GCM"}))
        for r in req["recipients"]:
            key = jwk.JWK(kty="OKP", crv="X25519", x=r["x"])
            token.add_recipient(key, header=json_encode({"alg": "ECDH-ES+A256KW", "kid": r["kid"]}))
        out = json.loads(token.serialize(compact=False))
        if "recipients" not in out:  # one recipient comes out flattened: the same JWE in General form
            out["recipients"] = [{k: out.pop(k) for k in ("header", "encrypted_key") if k in out}]
        json.dump(out, sys.stdout)
    else:
        j = req["jwe"]
        key = jwk.JWK(kty="OKP", crv="X25519", x=req["x"], d=req["d"])
        token = jwe.JWE()
        token.deserialize(json.dumps(j), key=key)
        json.dump({"plaintext": token.payload.decode("utf-8"), "protected": json.loads(token.objects["protected"])}, sys.stdout)


main()
