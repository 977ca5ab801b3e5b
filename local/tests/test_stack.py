"""The infrastructure that `make run` starts answers where env.sh says, on loopback only."""

from __future__ import annotations

import os
import smtplib
import subprocess
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from .conftest import ROOT, VAR, local_env, port_open

OUR_PORTS = {
    "postgres": 54329,
    "redis": 63799,
    "opensearch http": 19200,
    "opensearch transport": 19300,
    "s3proxy": 19000,
    "smtp": 1025,
    "mail web": 8025,
    "stripe-mock": 12111,
    "gateway": 8000,
}

EXPECTED_ENV = {
    "POCDEX_ENV": "local",
    "PGHOST": "127.0.0.1",
    "PGPORT": "54329",
    "DATABASE_URL_ACCOUNTS": "postgres://pocdex:pocdex@127.0.0.1:54329/accounts",
    "DATABASE_URL_POCS": "postgres://pocdex:pocdex@127.0.0.1:54329/pocs",
    "DATABASE_URL_DOJO": "postgres://pocdex:pocdex@127.0.0.1:54329/dojo",
    "DATABASE_URL_MEDIA": "postgres://pocdex:pocdex@127.0.0.1:54329/media",
    "REDIS_URL": "redis://127.0.0.1:63799/0",
    "POCDEX_BROKER_URL": "redis://127.0.0.1:63799/1",
    "CACHE_URL": "redis://127.0.0.1:63799/2",
    "CHANNEL_LAYER_URL": "redis://127.0.0.1:63799/3",
    "OPENSEARCH_URL": "http://127.0.0.1:19200",
    "S3_ENDPOINT_URL": "http://127.0.0.1:19000",
    "AWS_ACCESS_KEY_ID": "pocdex-local",
    "AWS_SECRET_ACCESS_KEY": "pocdex-local-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": "1025",
    "MAILCATCHER_URL": "http://127.0.0.1:8025",
    "GATEWAY_URL": "http://localhost:8000",
    "PUBLIC_BASE_DOMAIN": "localhost",
    "JWT_ISSUER": "http://localhost:8000",
    "JWKS_URL": "http://127.0.0.1:8101/.well-known/jwks.json",
    "ACCOUNTS_URL": "http://127.0.0.1:8101",
    "POCS_URL": "http://127.0.0.1:8102",
    "DOJO_URL": "http://127.0.0.1:8103",
    "DOJO_URL_2": "http://127.0.0.1:8113",
    "MEDIA_URL": "http://127.0.0.1:8104",
}


def test_env_sh_exports_the_documented_values(env: dict[str, str]) -> None:
    for name, value in EXPECTED_ENV.items():
        assert env.get(name) == value, name
    assert env["DJANGO_SECRET_KEY"].startswith("local-only-")
    assert env["POCDEX_ROOT"] == str(ROOT)
    services = [p.parent.name for p in sorted((ROOT / "services").glob("*/manage.py"))]
    assert sorted(filter(None, env["POCDEX_SERVICES"].split(","))) == sorted(services)


def test_env_sh_keeps_values_set_before_it() -> None:
    out = subprocess.run(
        ["bash", "-c", f"source {ROOT}/local/env.sh && echo $PGPORT,$REDIS_URL,$POCDEX_SERVICES"],
        env={"PATH": os.environ["PATH"], "PGPORT": "1", "REDIS_URL": "", "POCDEX_SERVICES": "x"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert out == "1,,x"


def listening_addresses() -> dict[int, set[str]]:
    """Listening TCP sockets from /proc: port -> local addresses."""
    found: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            address, port = local.split(":")
            found.setdefault(int(port, 16), set()).add(address)
    return found


def test_everything_listens_on_loopback_only() -> None:
    # 127.0.0.1, ::1 and 127.0.0.1 as an IPv4-mapped IPv6 address (Java binds that way).
    loopback = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}
    listening = listening_addresses()
    for name, port in OUR_PORTS.items():
        assert port in listening, f"{name} does not listen on {port}"
        assert listening[port] <= loopback, f"{name} listens beyond loopback: {listening[port]}"


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        [
            "psql",
            "-X",
            "-tA",
            "-h",
            "127.0.0.1",
            "-p",
            "54329",
            "-U",
            "pocdex",
            "-d",
            database,
            "-c",
            sql,
        ],
        env={"PATH": os.environ["PATH"], "PGPASSWORD": "pocdex"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.mark.parametrize("database", ["accounts", "pocs", "dojo", "media"])
def test_each_service_database_belongs_to_pocdex(database: str) -> None:
    owner = psql(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()",
        database,
    )
    assert owner == "pocdex"
    assert psql("SELECT current_database()", database) == database


def test_the_pocdex_role_may_create_databases_but_is_no_superuser() -> None:
    assert psql("SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = 'pocdex'") == "f|t"
    name = f"scratch_{uuid.uuid4().hex[:8]}"
    psql(f"CREATE DATABASE {name}")
    psql(f"DROP DATABASE {name}")
    assert psql("SHOW max_connections") == "200"
    assert psql("SHOW fsync") == "on"


def test_a_wrong_password_is_refused() -> None:
    result = subprocess.run(
        [
            "psql",
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            "54329",
            "-U",
            "pocdex",
            "-d",
            "pocs",
            "-c",
            "SELECT 1",
        ],
        env={"PATH": os.environ["PATH"], "PGPASSWORD": "wrong"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr


def redis_cli(*args: str) -> str:
    return subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "63799", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_redis_answers_and_keeps_an_append_only_file() -> None:
    assert redis_cli("PING") == "PONG"
    assert redis_cli("CONFIG", "GET", "appendonly").splitlines() == ["appendonly", "yes"]
    assert redis_cli("CONFIG", "GET", "dir").splitlines()[1] == str(VAR / "redis")


OPENSEARCH = "http://127.0.0.1:19200"


def test_opensearch_is_healthy_and_runs_as_its_own_user() -> None:
    health = requests.get(f"{OPENSEARCH}/_cluster/health", timeout=10).json()
    assert health["status"] in {"green", "yellow"}
    pid = (VAR / "run" / "opensearch.pid").read_text().split()[0]
    uid = next(
        line.split()[1]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("Uid:")
    )
    user = subprocess.run(["id", "-nu", uid], capture_output=True, text=True, check=True)
    assert user.stdout.strip() == "pocdex-os"


def test_opensearch_has_the_modules_the_search_design_needs() -> None:
    nodes = requests.get(f"{OPENSEARCH}/_nodes/_local/plugins", timeout=10).json()["nodes"]
    modules = {m["name"] for node in nodes.values() for m in node["modules"]}
    assert {"analysis-common", "mapper-extras"} <= modules


def test_opensearch_analyzes_portuguese_and_indexes_search_as_you_type() -> None:
    tokens = requests.post(
        f"{OPENSEARCH}/_analyze",
        json={"analyzer": "portuguese", "text": "Programação funcional com as bibliotecas"},
        timeout=10,
    ).json()["tokens"]
    assert [t["token"] for t in tokens] == ["programaca", "funcional", "bibliotec"]

    index = f"local-check-{uuid.uuid4().hex[:8]}"
    try:
        created = requests.put(
            f"{OPENSEARCH}/{index}",
            json={"mappings": {"properties": {"name": {"type": "search_as_you_type"}}}},
            timeout=10,
        )
        assert created.status_code == 200, created.text
        requests.put(
            f"{OPENSEARCH}/{index}/_doc/1?refresh=true",
            json={"name": "Realtime dojo editor"},
            timeout=10,
        ).raise_for_status()
        hits = requests.post(
            f"{OPENSEARCH}/{index}/_search",
            json={
                "query": {
                    "multi_match": {
                        "query": "realtime do",
                        "type": "bool_prefix",
                        "fields": ["name", "name._2gram", "name._3gram"],
                    }
                }
            },
            timeout=10,
        ).json()["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["1"]
    finally:
        requests.delete(f"{OPENSEARCH}/{index}", timeout=10)


@pytest.fixture
def s3() -> Any:
    env = local_env()
    return boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def test_s3proxy_stores_files_like_s3(s3: Any) -> None:
    bucket = f"local-check-{uuid.uuid4().hex[:8]}"
    key = "pocs/ação/relatório 1.txt"
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body="olá".encode(), ContentType="text/plain")
        got = s3.get_object(Bucket=bucket, Key=key)
        assert got["Body"].read().decode() == "olá"
        assert got["ContentType"] == "text/plain"
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60
        )
        presigned = requests.get(url, timeout=10)
        assert presigned.status_code == 200
        assert presigned.content.decode() == "olá"
        tampered = requests.get(url.replace("Signature=", "Signature=0"), timeout=10)
        assert tampered.status_code == 403
        listed = s3.list_objects_v2(Bucket=bucket, Prefix="pocs/")["Contents"]
        assert [o["Key"] for o in listed] == [key]
        assert (VAR / "s3" / bucket).is_dir()
    finally:
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)


def test_s3proxy_refuses_a_wrong_secret(s3: Any) -> None:
    wrong = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:19000",
        aws_access_key_id="pocdex-local",
        aws_secret_access_key="not-the-secret",
        region_name="us-east-1",
    )
    with pytest.raises(wrong.exceptions.ClientError):
        wrong.list_buckets()


def test_boto3_with_only_the_environment_works(env: dict[str, str]) -> None:
    """Services build clients from env.sh alone (AWS_CONFIG_FILE sets the S3 details)."""
    script = (
        "import boto3, os\n"
        "s3 = boto3.client('s3', endpoint_url=os.environ['S3_ENDPOINT_URL'])\n"
        "b = 'env-only-' + os.urandom(4).hex()\n"
        "s3.create_bucket(Bucket=b)\n"
        "s3.put_object(Bucket=b, Key='k', Body=b'v')\n"
        "assert s3.get_object(Bucket=b, Key='k')['Body'].read() == b'v'\n"
        "s3.delete_object(Bucket=b, Key='k'); s3.delete_bucket(Bucket=b)\n"
        "print('ok')\n"
    )
    run_env = {k: v for k, v in env.items() if not k.startswith("AWS_CA_BUNDLE")}
    result = subprocess.run(
        [str(VAR / "venv" / "bin" / "python"), "-c", script],
        env=run_env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_mail_sent_to_port_1025_can_be_read_back(env: dict[str, str]) -> None:
    subject = f"stack check {uuid.uuid4()}"
    mail = EmailMessage()
    mail["From"] = "no-reply@pocdex.local"
    mail["To"] = "stack-check@example.com"
    mail["Subject"] = subject
    mail.set_content("Olá from the stack test")
    with smtplib.SMTP(env["EMAIL_HOST"], int(env["EMAIL_PORT"]), timeout=10) as smtp:
        smtp.send_message(mail)
    found = requests.get(
        f"{env['MAILCATCHER_URL']}/api/messages",
        params={"subject_contains": subject},
        timeout=10,
    ).json()
    assert [m["text"].strip() for m in found] == ["Olá from the stack test"]
    requests.delete(f"{env['MAILCATCHER_URL']}/api/messages/{found[0]['id']}", timeout=10)


def test_each_port_is_served() -> None:
    for name, port in OUR_PORTS.items():
        assert port_open(port), name
