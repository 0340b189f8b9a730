"""schemathesis hooks for scripts/conformance.sh: the narrow exclusions.

NOX refuses some requests that the specs' OpenAPI 3.0 schemas allow, because the rule
cannot be written in OpenAPI 3.0. schemathesis would generate such a request as "valid"
and flag the mock's documented 400 as ST202 ("schema-valid request rejected"). Just before
each request is sent (every phase: examples, coverage, fuzzing), the hook below mends a
body that breaks one such rule, and touches nothing else:

1. A brand that is not valid for the session's asset type (v2 supplier): the brand, which is
   optional, is left out. Which brand goes with which asset type is the SDK's table
   (`nox brands --json`, written to the file named by NOX_BRANDS_JSON); a schema cannot tie
   one field's enum to another field's value.
2. A redirect URL the SDK refuses: a scheme a browser runs or reads locally (javascript,
   data, file, vbscript, blob, about), http(s) without a host, or plain http to a host that
   is not loopback; it becomes
   https://example.com/cb. `format: uri` allows them; `nox_auth::validate_redirect_url` is
   the rule (nox_auth::REFUSED_REDIRECT_SCHEMES).

3. A `next_token` query parameter (Package API listings): only a token the API issued
   (`meta.next_token` of a previous page, for the same listing and filters) is valid, and
   the mock refuses any other with a 422, as NOX's FastAPI would refuse a token it cannot
   decode; a schema cannot say "a value this server issued". A token an earlier answer
   issued (the stateful phase follows `meta.next_token`) is sent with the listing's
   filters as they were ("send the same other parameters", the spec says); any other is
   left out (the first page is asked for).

4. A `state` of `POST /post-login-redirect` (the NOX-initiated link): only a state NOX
   issued (and not yet used, within 15 minutes) is valid, and the mock refuses any other
   with its documented 400; a schema cannot say "a value this server issued". A string
   `state` is replaced by a fresh one from the mock's control API
   (`POST /_mock/nox-app/authorizations`, on NOX_MOCK_BASE), so that every case that is
   valid by the schema names a real authentication; anything else is left as it is.

Either way the request stays valid by the schema (or stays invalid for its other reason,
in a negative case), so every check still judges the mock's answer.
"""

import json
import os
import urllib.request

import schemathesis

with open(os.environ["NOX_BRANDS_JSON"], encoding="utf-8") as f:
    ASSET_TYPES = {row["brand"]: set(row["asset_types"]) for row in json.load(f)}

REFUSED_SCHEMES = {"javascript", "data", "file", "vbscript", "blob", "about"}


def brand_not_for_asset_type(body):
    brand, asset_type = body.get("brand"), body.get("asset_type")
    return (
        isinstance(brand, str)
        and isinstance(asset_type, str)
        and brand in ASSET_TYPES
        and asset_type in ("hp", "pv")
        and asset_type not in ASSET_TYPES[brand]
    )


def refused_redirect(url):
    if not isinstance(url, str):
        return False
    scheme, sep, rest = url.strip().partition(":")
    scheme = scheme.lower()
    if sep and scheme in REFUSED_SCHEMES:
        return True
    if scheme in ("http", "https") and (not rest.startswith("//") or rest[2:3] in ("/", "\\", "")):
        return True
    # Plain http only to a loopback host (the callback carries the user's and devices' ids).
    if scheme == "http":
        host = rest[2:].split("/")[0].split("?")[0].split("#")[0].rsplit("@", 1)[-1]
        host = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        ipv4_loopback = host.startswith("127.") and all(c.isdigit() or c == "." for c in host)
        return host.lower() not in ("localhost", "[::1]") and not ipv4_loopback
    return False


# next_token → (path, filters) of the request whose answer issued it; bounded.
ISSUED = {}
MAX_ISSUED = 10_000
FILTERS = ("user_id", "device_id")


def mend_next_token(case):
    query = case.query
    if not isinstance(query, dict) or "next_token" not in query:
        return
    issued = ISSUED.get(query["next_token"]) if isinstance(query["next_token"], str) else None
    if issued is None or issued[0] != case.path:
        del query["next_token"]
        return
    for name in FILTERS:
        query.pop(name, None)
    query.update(issued[1])


@schemathesis.hook
def after_call(ctx, case, response):
    try:
        token = response.json()["meta"]["next_token"]
    except Exception:
        return
    if isinstance(token, str) and len(ISSUED) < MAX_ISSUED:
        query = case.query if isinstance(case.query, dict) else {}
        ISSUED[token] = (case.path, {k: query[k] for k in FILTERS if k in query})


def fresh_state():
    """A state the mock's NOX app issued just now (rule 4)."""
    request = urllib.request.Request(
        os.environ["NOX_MOCK_BASE"] + "/_mock/nox-app/authorizations",
        data=b"{}",
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["state"]


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    mend_next_token(case)
    body = case.body
    if not isinstance(body, dict):
        return
    if case.path == "/post-login-redirect" and isinstance(body.get("state"), str):
        body["state"] = fresh_state()
    if brand_not_for_asset_type(body):
        del body["brand"]
    for key in ("redirect_url", "redirect_uri"):
        if refused_redirect(body.get(key)):
            body[key] = "https://example.com/cb"
