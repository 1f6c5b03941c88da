"""A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with openssl in
the private work folder and kept for the rehearsal's life: one for the cache's TLS (trusted by
the containers, as ElastiCache's public certificate is), one in a folder of its own for RDS's
front (trusted by nobody, as RDS's CA is in no trust store)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from skylift.errors import MissingToolError
from skylift.workdir import make_dirs

SYSTEM_CAS = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def server_certificate(folder: Path) -> Path:
    """The folder holding ca.crt, server.crt and server.key (0600)."""
    certs = folder / "tls"
    if (certs / "server.crt").is_file():
        return certs
    if shutil.which("openssl") is None:
        raise MissingToolError("openssl is not installed", "the rehearsal's stand-ins speak TLS",
                               "apt-get install openssl")  # fmt: skip
    make_dirs(certs)

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=certs, check=True, capture_output=True)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-keyout", "ca.key",
        "-out", "ca.crt", "-subj", "/CN=skylift rehearsal CA")  # fmt: skip
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")  # fmt: skip
    (certs / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "30", "-out", "server.crt", "-extfile", "ext.cnf")  # fmt: skip
    for key in ("ca.key", "server.key"):
        os.chmod(certs / key, 0o600)
    return certs


def bundle(folder: Path, ca: Path) -> Path:
    """The system's CAs and the rehearsal's, in one file the containers read."""
    path = folder / "ca-bundle.crt"
    system = next((Path(p) for p in SYSTEM_CAS if Path(p).is_file()), None)
    path.write_text((system.read_text() if system else "") + ca.read_text())
    os.chmod(path, 0o644)
    return path
