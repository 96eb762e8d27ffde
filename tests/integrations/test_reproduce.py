"""Copy-as-curl and the SDK snippet replay the same request with placeholders only."""

import ast
import inspect
import shlex

from coinbase.rest import RESTClient

from integrations.reproduce import PLACEHOLDER_KEY_NAME, as_curl, as_python


def _sdk_call(snippet: str):
    """Return (method name, args, kwargs) of the client call in a snippet."""
    tree = ast.parse(snippet)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and getattr(node.func.value, "id", "") == "client":
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            return node.func.attr, args, kwargs
    raise AssertionError("no client call")


def test_curl_uses_a_placeholder_jwt_and_keeps_safe_headers():
    line = as_curl(
        method="get",
        url="https://api.coinbase.com/api/v3/brokerage/accounts?limit=49&cursor=c1",
        headers={"Authorization": "Bearer eyJhbGciOi.eyJzdWIi.[REDACTED-SIGNATURE]",
                 "Accept": "application/json", "Cookie": "[REDACTED]"},
    )
    words = shlex.split(line.replace("${JWT}", "TOKEN"))
    assert words[:5] == ["curl", "-sS", "-X", "GET",
                         "https://api.coinbase.com/api/v3/brokerage/accounts?limit=49&cursor=c1"]
    assert "Authorization: Bearer TOKEN" in words
    assert "Accept: application/json" in words
    assert "REDACTED" not in line


def test_curl_post_carries_the_json_body():
    body = '{"product_id":"BTC-USD","side":"BUY"}'
    words = shlex.split(as_curl(method="POST", url="https://api.coinbase.com/api/v3/brokerage/"
                                "orders", body=body).replace("${JWT}", "T"))
    assert words[words.index("--data-raw") + 1] == body
    assert "Content-Type: application/json" in words


def test_python_snippet_matches_the_sdk_signature():
    snippet = as_python(
        method="GET",
        url="https://api.coinbase.com/api/v3/brokerage/orders/historical/batch"
            "?order_status=OPEN&order_status=FILLED&limit=50",
    )
    compile(snippet, "<snippet>", "exec")
    name, args, kwargs = _sdk_call(snippet)
    assert (name, args) == ("get", ["/api/v3/brokerage/orders/historical/batch"])
    assert kwargs == {"params": {"order_status": ["OPEN", "FILLED"], "limit": "50"}}
    inspect.signature(getattr(RESTClient, name)).bind(None, *args, **kwargs)
    assert PLACEHOLDER_KEY_NAME in snippet
    assert 'os.environ["COINBASE_API_SECRET"]' in snippet


def test_python_snippet_for_post_public_and_custom_host():
    post = as_python(method="POST", url="https://127.0.0.1:8701/api/v3/brokerage/orders",
                     body='{"product_id": "BTC-USD", "side": "BUY"}')
    name, args, kwargs = _sdk_call(post)
    assert kwargs == {"data": {"product_id": "BTC-USD", "side": "BUY"}}
    inspect.signature(getattr(RESTClient, name)).bind(None, *args, **kwargs)
    assert "base_url='127.0.0.1:8701'" in post
    public = as_python(method="GET", url="https://api.coinbase.com/api/v3/brokerage/market/"
                       "products/BTC-USD/ticker?limit=1")
    assert _sdk_call(public)[2]["public"] is True
