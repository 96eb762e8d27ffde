"""(5) jwt.inspect throughput against PyJWT decoding the same tokens, in the same process.

- Claims only: `run_check("jwt.inspect", …)` with no key material (the token is decoded
  without trust, every header field and claim judged against a given server time) vs
  PyJWT's plain `jwt.decode(token, options={"verify_signature": False})`. Goal ≥ 0.5×.
- With the signature verified: jwt.inspect given the customer's public key PEM (parsed
  per token, as in a run) vs PyJWT verifying with an already loaded key. Reported, no goal.

Rounds alternate between product and baseline so a noisy neighbour hurts both alike;
the median round counts.
"""

from __future__ import annotations

import time

from bench.env import median
from bench.report import Figure

ROUND_S = 0.6
ROUNDS = 3
GOAL = 0.5


def _rate(func, tokens: list[str]) -> float:
    done, started = 0, time.perf_counter()
    end = started + ROUND_S
    while time.perf_counter() < end:
        for token in tokens:
            func(token)
        done += len(tokens)
    return done / (time.perf_counter() - started)


def _compare(product, baseline, tokens) -> tuple[float, float]:
    mine, theirs = [], []
    for _ in range(ROUNDS):
        mine.append(_rate(product, tokens))
        theirs.append(_rate(baseline, tokens))
    return median(mine), median(theirs)


def tokens_and_keys(count: int = 50):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from diagnostics import jwt_tools

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    name = ("organizations/0b8c7a33-1111-4c4c-9f9f-123456789abc/"
            "apiKeys/9d2e0f55-2222-4d4d-8e8e-abcdefabcdef")
    now = int(time.time())
    tokens = [jwt_tools.build_jwt(name, pem, uri="GET api.coinbase.com/api/v3/brokerage/accounts",
                                  now=now) for _ in range(count)]
    return tokens, key.public_key(), public_pem, now


def run() -> list[Figure]:
    import jwt

    from diagnostics.checks import RunContext, Status, run_check

    tokens, public_key, public_pem, now = tokens_and_keys()

    def context(token: str, pem: str = "") -> RunContext:
        return RunContext(rest_base="https://api.coinbase.com", ws_market_url="", ws_user_url="",
                          customer_jwt=token, public_key_pem=pem,
                          customer_request="GET /api/v3/brokerage/accounts",
                          options={"server_time": now + 5})

    first = run_check("jwt.inspect", context(tokens[0], public_pem))
    if first.status != Status.PASS:
        raise RuntimeError(f"jwt.inspect did not pass a valid token: {first.summary}")

    def inspect(token):
        return run_check("jwt.inspect", context(token))

    def plain(token):
        return jwt.decode(token, options={"verify_signature": False})

    def inspect_verified(token):
        return run_check("jwt.inspect", context(token, public_pem))

    def pyjwt_verified(token):
        return jwt.decode(token, public_key, algorithms=["ES256"],
                          options={"verify_exp": False, "verify_nbf": False})

    mine, theirs = _compare(inspect, plain, tokens)
    ratio = mine / theirs
    mine_v, theirs_v = _compare(inspect_verified, pyjwt_verified, tokens)
    return [
        Figure("jwt.inspect tokens/s (claims judged, no key)", mine, "tokens/s",
               "PyJWT decode, no verification", theirs, ratio, f"≥ {GOAL}×", ratio >= GOAL,
               note="jwt.inspect also builds the result (codes, advice, redacted details)"),
        Figure("jwt.inspect tokens/s (signature verified with the public key PEM)", mine_v,
               "tokens/s", "PyJWT decode, ES256 verified, key preloaded", theirs_v,
               mine_v / theirs_v, "", None,
               note="jwt.inspect parses the PEM for every token, as a run does"),
    ]
