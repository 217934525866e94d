"""Mutual TLS to the security server: the stand-in app served over https in this process, with a
throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from register.client import RegisterClient
from register.outcome import Failure, Found
from register.stand_in.app import create_app
from register.stand_in.options import StandInOptions
from settings import Settings, load_settings
from tests.support.asgi_server import serve_app


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    ip: str | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if ip is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(
    path: Path, certificate: x509.Certificate | None = None, key: ec.EllipticCurvePrivateKey | None = None
) -> Path:
    if certificate is not None:
        path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca_key, other_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(4))
    ca = _certificate("test security server CA", ca_key, "test security server CA", ca_key, ca=True)
    other = _certificate("some other CA", other_key, "some other CA", other_key, ca=True)
    server = _certificate("security server", server_key, "test security server CA", ca_key, ip="127.0.0.1")
    client = _certificate("EHEALTH_prod", client_key, "test security server CA", ca_key)
    return Pki(
        ca=_write(directory / "ca.pem", ca),
        server_cert=_write(directory / "server.pem", server),
        server_key=_write(directory / "server.key", key=server_key),
        client_cert=_write(directory / "client.pem", client),
        client_key=_write(directory / "client.key", key=client_key),
        other_ca=_write(directory / "other-ca.pem", other),
    )


@pytest.fixture
async def https_url(pki: Pki) -> AsyncIterator[str]:
    """The stand-in app over https, demanding a client certificate signed by the test CA."""
    settings = load_settings()
    options = StandInOptions(service=settings.xroad_service, clients=(settings.xroad_client,))
    async with serve_app(
        create_app(options),
        ssl_certfile=str(pki.server_cert),
        ssl_keyfile=str(pki.server_key),
        ssl_ca_certs=str(pki.ca),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
    ) as url:
        yield url


def tls_settings(url: str, **tls: Path | None) -> Settings:
    return load_settings(register_url=url, register_timeout=5.0, register_connect_timeout=2.0, **tls)


async def test_mutual_tls_lookup(https_url: str, pki: Pki) -> None:
    settings = tls_settings(
        https_url, register_tls_cert=pki.client_cert, register_tls_key=pki.client_key, register_tls_ca=pki.ca
    )
    async with RegisterClient(settings) as client:
        outcome = await client.lookup("20000213-01467")
    assert isinstance(outcome, Found) and outcome.person["last_name"] == "ДІЯ"


async def test_server_certificate_from_another_ca_is_a_permanent_tls_error(https_url: str, pki: Pki) -> None:
    settings = tls_settings(
        https_url,
        register_tls_cert=pki.client_cert,
        register_tls_key=pki.client_key,
        register_tls_ca=pki.other_ca,
    )
    async with RegisterClient(settings) as client:
        outcome = await client.lookup("20000213-01467")
    assert isinstance(outcome, Failure) and (outcome.kind, outcome.code) == ("permanent", "TlsError")


async def test_without_client_certificate_the_call_fails_without_raising(https_url: str, pki: Pki) -> None:
    async with RegisterClient(tls_settings(https_url, register_tls_ca=pki.ca)) as client:
        outcome = await client.lookup("20000213-01467")
    assert isinstance(outcome, Failure)
    assert outcome.kind == "transient" and outcome.code in ("ConnectError", "TransportError")
