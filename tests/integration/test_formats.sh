#!/usr/bin/env bash
# Every output format (src/emit.c), checked by the programs that read it, not by our own reader:
# - openssl-directory names equal 'openssl rehash' names, on Debian's ca-certificates roots and on
#   generated names with upper case, repeated blanks, tabs, non-ASCII (T61String, BMPString,
#   UTF8String), an e-mail address (IA5String), a multi-valued RDN and two roots with one subject;
# - curl --capath, openssl s_client -CApath and Python's capath verify a loopback openssl s_server
#   with the hashed directory, and fail with a directory that lacks its root; so do Python's and
#   s_client's default paths with SSL_CERT_DIR; curl --cacert and Python cafile with pem (libpq
#   and the mariadb client: test_formats_dbclients.sh; GnuTLS's trust directory: test_emit.c);
# - keytool -list shows every root as trustedCertEntry in java-pkcs12 (custom password) and jks, and
#   a small Java TLS client (compiled once here) connects with each store and fails without the root;
# - openssl pkcs7 -print_certs, openssl pkcs12 -info (MAC verified), openssl x509 -inform DER;
# - every format: byte-identical output across runs with shuffled inputs and another time zone and
#   locale; an unchanged output is not touched (mtimes kept); 'check bundle' reads it back;
# - bundle --all --output-dir: DIR/PROFILE.EXT, or DIR/PROFILE for directory formats.
set -u
. "$RW_SOURCE_DIR/tests/integration/checklib.sh"
for t in openssl curl python3; do
	command -v "$t" >/dev/null || { echo "$t not installed: skipped"; exit 77; }
done
RW=$RW_BINARY
ROOTS=$RW_SOURCE_DIR/roots
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-formats.XXXXXX")
srv_pid=
cleanup() {
	[ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
FORMATS="pem pem-directory openssl-directory der-directory pkcs7 java-pkcs12 jks"
AT=2025-10-01
PROFILE=azure-china # one root (DigiCert Global Root CA) in force on AT

# ---- generated roots with awkward names ---------------------------------------------------------
cat >req.cnf <<'EOF'
[req]
distinguished_name = dn
string_mask = default
prompt = no
[dn]
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
sed 's/string_mask = default/string_mask = utf8only/' req.cnf >req-utf8.cnf
mkdir in
n=0
mkroot() { # CONFIG SUBJECT [openssl req options]
	local cnf=$1 subj=$2
	shift 2
	n=$((n + 1))
	openssl req -x509 -new -config "$cnf" -extensions ext -utf8 "$@" -subj "$subj" \
		-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "in/r$n.key" \
		-days 3650 -out "in/r$n.pem" 2>/dev/null || fail "openssl req $subj"
}
mkroot req.cnf "/C=DE/O=UPPER Case  GmbH/CN=LOUD   Root"
mkroot req.cnf "/O=Zürich Wurzel/CN=Grüße T61"
mkroot req.cnf "/CN=Корень Тест BMP"
mkroot req-utf8.cnf "/O=  Ünïcode	Tabbed  /CN=UTF8 Ärger"
mkroot req.cnf "/emailAddress=Root@Example.COM/CN=mail root"
mkroot req.cnf "/O=multi/CN=Multi Valued+OU=Second Value" -multivalue-rdn
mkroot req.cnf "/CN=Same Subject"
mkroot req.cnf "/CN=Same Subject"
check "the generated names use T61String and BMPString" \
	sh -c 'openssl asn1parse -in in/r2.pem | grep -q T61STRING &&
	       openssl asn1parse -in in/r3.pem | grep -q BMPSTRING'
# The TLS test root and the server it signs (SAN 127.0.0.1).
mkroot req.cnf "/CN=rootwarden formats test CA"
tls=$n
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key \
	-subj /CN=127.0.0.1 -out srv.csr 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n' >srv.ext
openssl x509 -req -in srv.csr -CA "in/r$tls.pem" -CAkey "in/r$tls.key" -CAserial srv.srl -CAcreateserial \
	-days 30 -extfile srv.ext -out srv.pem 2>/dev/null
rm -f in/*.key

bundle() { # FORMAT OUTPUT [more options]
	local f=$1 out=$2
	shift 2
	"$RW" bundle --roots-dir "$ROOTS" --profile "$PROFILE" --at "$AT" --include in \
		--format "$f" --output "$out" "$@"
}
printf 's3cret-pw\n' >pw
chmod 600 pw
opts_for() { case $1 in java-pkcs12) echo --password-file pw ;; esac; }

mkdir out
for f in $FORMATS; do
	# shellcheck disable=SC2046
	bundle "$f" "out/$f" $(opts_for "$f") -q
	check "$f: written (status 0)" test "$?" = 0
done
total=$(($(ls in | wc -l) + 1)) # the generated roots and the profile's one root

# ---- openssl-directory vs openssl rehash --------------------------------------------------------
mkdir rh
cp out/pem-directory/* rh/
openssl rehash rh 2>/dev/null
ls rh | grep -E '^[0-9a-f]{8}\.[0-9]+$' | sort >rehash.names
ls out/openssl-directory | sort >ours.names
check "openssl-directory: the names 'openssl rehash' gives, generated names ($(wc -l <ours.names))" \
	cmp -s rehash.names ours.names
check "openssl-directory: two roots with one subject are HASH.0 and HASH.1" \
	test "$(cut -d. -f1 ours.names | sort | uniq -d | wc -l)" = 1
if ls /usr/share/ca-certificates/mozilla/*.crt >/dev/null 2>&1; then
	mkdir mz mzrh
	cp /usr/share/ca-certificates/mozilla/*.crt mz/
	cp mz/* mzrh/
	openssl rehash mzrh 2>/dev/null
	"$RW" bundle --roots-dir "$ROOTS" --profile "$PROFILE" --at "$AT" --keep-expired \
		--include mz --format openssl-directory --output mzours -q
	ls mzrh | grep -E '^[0-9a-f]{8}\.[0-9]+$' | sort >a
	ls mzours | sort >b
	check "openssl-directory: the names 'openssl rehash' gives, Debian's $(ls mz | wc -l) roots" \
		cmp -s a b
else
	echo "skip: ca-certificates is not installed"
fi

# ---- TLS clients against a loopback openssl s_server --------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert srv.pem -key srv.key -www -quiet \
	</dev/null >server.log 2>&1 &
srv_pid=$!
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
# A store that lacks the test root: the profile's root only.
mkdir lack
for f in openssl-directory java-pkcs12 jks pem; do
	# shellcheck disable=SC2046
	"$RW" bundle --roots-dir "$ROOTS" --profile "$PROFILE" --at "$AT" --format "$f" \
		--output "lack/$f" $(opts_for "$f") -q
done
url=https://127.0.0.1:$port/
check "curl --capath verifies the server with openssl-directory" \
	curl -sf --capath out/openssl-directory -o /dev/null "$url"
check "curl --capath fails with a hashed directory that lacks the root" \
	sh -c "! curl -sf --capath lack/openssl-directory -o /dev/null $url"
check "curl --cacert verifies the server with pem" curl -sf --cacert out/pem -o /dev/null "$url"
check "curl --cacert fails with a pem bundle that lacks the root" \
	sh -c "! curl -sf --cacert lack/pem -o /dev/null $url"
s_client() {
	echo | openssl s_client -connect "127.0.0.1:$port" -CApath "$1" -verify_return_error \
		-verify_ip 127.0.0.1 >/dev/null 2>&1
}
check "openssl s_client -CApath verifies with openssl-directory" s_client out/openssl-directory
check "openssl s_client -CApath fails without the root" not s_client lack/openssl-directory
pyconnect() {
	python3 - "$1" "$port" <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(capath=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2]))) as s:
    with ctx.wrap_socket(s, server_hostname="127.0.0.1"):
        pass
EOF
}
check "Python capath verifies with openssl-directory" pyconnect out/openssl-directory
check "Python capath fails without the root" not pyconnect lack/openssl-directory 2>/dev/null
pycafile() {
	python3 - "$1" "$port" <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2]))) as s:
    with ctx.wrap_socket(s, server_hostname="127.0.0.1"):
        pass
EOF
}
check "Python cafile verifies with pem" pycafile out/pem
check "Python cafile fails with a pem bundle that lacks the root" not pycafile lack/pem 2>/dev/null
# SSL_CERT_DIR: OpenSSL's default verify paths (no -CApath, no capath given), with SSL_CERT_FILE
# pointed at an empty file so that only the directory can supply the root.
: >empty.pem
certdir_py() {
	SSL_CERT_DIR=$1 SSL_CERT_FILE=$tmp/empty.pem python3 - "$port" <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context()
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
    with ctx.wrap_socket(s, server_hostname="127.0.0.1"):
        pass
EOF
}
certdir_s_client() {
	echo | SSL_CERT_DIR=$1 SSL_CERT_FILE=$tmp/empty.pem openssl s_client \
		-connect "127.0.0.1:$port" -verify_return_error -verify_ip 127.0.0.1 >/dev/null 2>&1
}
check "SSL_CERT_DIR=openssl-directory: Python's default context verifies" \
	certdir_py "$tmp/out/openssl-directory"
check "SSL_CERT_DIR: Python fails with a directory that lacks the root" \
	not certdir_py "$tmp/lack/openssl-directory" 2>/dev/null
check "SSL_CERT_DIR=openssl-directory: openssl s_client (default paths) verifies" \
	certdir_s_client "$tmp/out/openssl-directory"
check "SSL_CERT_DIR: openssl s_client fails with a directory that lacks the root" \
	not certdir_s_client "$tmp/lack/openssl-directory"

# ---- Java ---------------------------------------------------------------------------------------
if command -v keytool >/dev/null && command -v javac >/dev/null; then
	jopt="-J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1 -J-Xshare:auto"
	count() { # STORE TYPE PASSWORD
		# shellcheck disable=SC2086
		keytool $jopt -list -keystore "$1" -storetype "$2" -storepass "$3" 2>&1 |
			grep -c trustedCertEntry
	}
	check "keytool -list: java-pkcs12 holds every root as trustedCertEntry ($total)" \
		test "$(count out/java-pkcs12 PKCS12 s3cret-pw)" = "$total"
	check "keytool -list: jks holds every root as trustedCertEntry ($total)" \
		test "$(count out/jks JKS changeit)" = "$total"
	check "keytool refuses java-pkcs12 with the wrong password" \
		sh -c "! keytool -list -keystore out/java-pkcs12 -storetype PKCS12 -storepass wrong >/dev/null 2>&1"
	mkdir jc
	cat >jc/TrustCheck.java <<'EOF'
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/* TrustCheck STORE TYPE PASSWORD-FILE PORT: a TLS handshake with 127.0.0.1:PORT, trusting STORE. */
public class TrustCheck {
	public static void main(String[] a) throws Exception {
		char[] pw = new String(Files.readAllBytes(Paths.get(a[2]))).trim().toCharArray();
		KeyStore ks = KeyStore.getInstance(a[1]);
		try (InputStream in = new FileInputStream(a[0])) {
			ks.load(in, pw);
		}
		TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
		tmf.init(ks);
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(null, tmf.getTrustManagers(), null);
		try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
				Integer.parseInt(a[3]))) {
			s.startHandshake();
		}
	}
}
EOF
	printf 'changeit\n' >pw.default
	if javac -d jc jc/TrustCheck.java 2>jc/javac.log; then
		jrun() { java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp jc TrustCheck "$@" >/dev/null 2>&1; }
		check "Java TLS client verifies the server with java-pkcs12" \
			jrun out/java-pkcs12 PKCS12 pw "$port"
		check "Java TLS client verifies the server with jks" jrun out/jks JKS pw.default "$port"
		check "Java TLS client fails with a java-pkcs12 store that lacks the root" \
			not jrun lack/java-pkcs12 PKCS12 pw "$port"
		check "Java TLS client fails with a jks store that lacks the root" \
			not jrun lack/jks JKS pw.default "$port"
	else
		fail "javac TrustCheck.java: $(cat jc/javac.log)"
	fi
else
	echo "skip Java part: keytool or javac is not installed"
fi
kill "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
srv_pid=

# ---- the other readers --------------------------------------------------------------------------
check "openssl pkcs7 -print_certs lists every root ($total)" \
	test "$(openssl pkcs7 -inform DER -in out/pkcs7 -print_certs -noout | grep -c '^subject=')" = "$total"
check "openssl pkcs12 -info verifies the MAC and lists every root ($total)" \
	test "$(openssl pkcs12 -info -in out/java-pkcs12 -passin file:pw -nokeys 2>/dev/null |
		grep -c '^subject=')" = "$total"
check "openssl pkcs12 -info: every bag carries Java's trusted-key-usage attribute" \
	test "$(openssl pkcs12 -info -in out/java-pkcs12 -passin file:pw -nokeys 2>/dev/null |
		grep -c '2.16.840.1.113894.746875.1.1')" = "$total"
check "openssl pkcs12 refuses the wrong password (the MAC is real)" \
	sh -c '! openssl pkcs12 -info -in out/java-pkcs12 -passin pass:wrong -nokeys >/dev/null 2>&1'
derok=0
for c in out/der-directory/*.cer; do
	openssl x509 -inform DER -in "$c" -noout 2>/dev/null && derok=$((derok + 1))
done
check "openssl x509 -inform DER reads every der-directory file ($total)" test "$derok" = "$total"

# ---- reproducible, untouched when unchanged, read back by check bundle ------------------------
# The same roots given in another order (names reversed), another time zone and locale.
mkdir in2
i=0
for p in $(ls in | sort -r); do
	i=$((i + 1))
	cp "in/$p" "in2/$(printf 'z%02d' $((100 - i))).pem"
done
mkdir out2
for f in $FORMATS; do
	# shellcheck disable=SC2046
	TZ=Pacific/Chatham LC_ALL=C.UTF-8 "$RW" bundle --roots-dir "$ROOTS" --profile "$PROFILE" \
		--at "$AT" --include in2 --format "$f" --output "out2/$f" $(opts_for "$f") -q
	check "$f: byte-identical with shuffled inputs, TZ=Pacific/Chatham, LC_ALL=C.UTF-8" \
		diff -r "out/$f" "out2/$f"
done
stamp() { find "out/$1" -exec stat -c '%n %Y %i' {} + | sort; }
for f in $FORMATS; do
	touch -d '2001-01-01 00:00:00' "out/$f"
	[ -d "out/$f" ] && touch -d '2001-01-01 00:00:00' "out/$f"/*
	before=$(stamp "$f")
	# shellcheck disable=SC2046
	res=$(bundle "$f" "out/$f" $(opts_for "$f"))
	check "$f: a second run reports unchanged" grep -q ": out/$f unchanged" <<<"$res"
	check "$f: unchanged output untouched (mtimes and inodes kept)" test "$before" = "$(stamp "$f")"
done
for f in $FORMATS; do
	# shellcheck disable=SC2046 # java-pkcs12 has its own password (--password-file)
	out=$("$RW" check bundle "out/$f" --roots-dir "$ROOTS" --at "$AT" --json $(opts_for "$f") 2>&1)
	check "check bundle reads $f back ($total certificates)" \
		python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if len(d["certificates"]) == int(sys.argv[2]) else 1)' \
		"$out" "$total"
done

# ---- a changed set replaces a directory whole ---------------------------------------------------
ino=$(stat -c %i out/openssl-directory)
rm in/r1.pem
bundle openssl-directory out/openssl-directory -q
check "openssl-directory: a removed root's file is gone, the set is whole" \
	test "$(ls out/openssl-directory | wc -l)" = $((total - 1))
check "openssl-directory: replaced by a swap (new inode), no temporary left" \
	sh -c "[ \"\$(stat -c %i out/openssl-directory)\" != $ino ] && [ -z \"\$(ls -A out | grep '^\\.')\" ]"

# ---- --all --output-dir -------------------------------------------------------------------------
mkdir all
"$RW" bundle --roots-dir "$ROOTS" --all --at "$AT" --format jks --output-dir all -q
"$RW" bundle --roots-dir "$ROOTS" --all --at "$AT" --format der-directory --output-dir all -q
check "--all --output-dir: DIR/PROFILE.jks for a file format" test -f "all/$PROFILE.jks"
check "--all --output-dir: DIR/PROFILE/ for a directory format" test -d "all/$PROFILE"
check "a directory format to standard output is refused" \
	sh -c "! '$RW' bundle --roots-dir '$ROOTS' --profile $PROFILE --at $AT --format pem-directory --output - 2>/dev/null"

[ "$fails" -eq 0 ]
