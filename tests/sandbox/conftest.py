import pytest
from coinbase.rest import RESTClient


@pytest.fixture
def sdk(sandbox, monkeypatch):
    """A factory for the official SDK's RESTClient over the sandbox's TLS port.

    requests lets REQUESTS_CA_BUNDLE override `session.verify`, so both point at the CA.
    """
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.ca_path)

    def make(key, **kwargs):
        client = RESTClient(api_key=key["key_name"], api_secret=key["private_key"],
                            base_url=sandbox.tls_host, timeout=10, **kwargs)
        client.session.verify = sandbox.ca_path
        return client

    return make
