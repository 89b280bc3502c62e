# sync_fixture.sh - shared by tests/integration/test_sync.sh and bench/sync_nochange.sh (sourced).
#
# fx_certs DIR N   makes DIR/tls-ca.pem (the CA the fetch trusts), DIR/other-ca.pem (one it does
#                  not), DIR/server.pem + server-key.pem (127.0.0.1), and N roots DIR/rootI.pem and
#                  .der with their SHA-256 pins in PIN[I] (all with certtool; nothing pasted).
# fx_server_start DIR WWW   starts tests/integration/https_server.py serving WWW on 127.0.0.1 on a
#                  free port (PORT), request log in DIR/server.log; fx_server_stop kills it.
# Callers set a trap that calls fx_server_stop.

FX_SRC=${RW_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
declare -a PIN
SERVER_PID=

fx_need() {
	for t in certtool python3; do
		command -v "$t" >/dev/null 2>&1 || { echo "skipped: $t is not installed"; exit 77; }
	done
}

fx_key() { certtool --generate-privkey --key-type ecdsa --outfile "$1" >/dev/null 2>&1; }

fx_ca() { # DIR NAME CN
	printf 'cn = "%s"\norganization = "rootwarden tests"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 3650\n' "$3" >"$1/$2.tmpl"
	fx_key "$1/$2-key.pem"
	certtool --generate-self-signed --load-privkey "$1/$2-key.pem" --template "$1/$2.tmpl" \
		--outfile "$1/$2.pem" >/dev/null 2>&1
}

fx_pin() { certtool --fingerprint --hash sha256 --infile "$1" | tr a-f A-F; }

fx_certs() {
	local d=$1 n=$2 i
	fx_ca "$d" tls-ca "rootwarden test TLS CA"
	fx_ca "$d" other-ca "rootwarden untrusted CA"
	printf 'cn = "127.0.0.1"\nip_address = "127.0.0.1"\ndns_name = "localhost"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n' >"$d/server.tmpl"
	fx_key "$d/server-key.pem"
	certtool --generate-certificate --load-privkey "$d/server-key.pem" --load-ca-certificate \
		"$d/tls-ca.pem" --load-ca-privkey "$d/tls-ca-key.pem" --template "$d/server.tmpl" \
		--outfile "$d/server.pem" >/dev/null 2>&1
	for ((i = 1; i <= n; i++)); do
		fx_ca "$d" "root$i" "rootwarden test root $i"
		certtool --certificate-info --infile "$d/root$i.pem" --outder --outfile "$d/root$i.der" \
			>/dev/null 2>&1
		PIN[i]=$(fx_pin "$d/root$i.pem")
	done
}

fx_server_start() {
	local d=$1 www=$2 i
	rm -f "$d/port"
	python3 "$FX_SRC/tests/integration/https_server.py" "$www" "$d/server.pem" \
		"$d/server-key.pem" "$d/port" "$d/server.log" 2>>"$d/server.err" &
	SERVER_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$d/port" ] && break
		sleep 0.05
	done
	[ -s "$d/port" ] || { echo "the test HTTPS server did not start"; cat "$d/server.err"; exit 1; }
	PORT=$(cat "$d/port")
}

fx_server_stop() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	fi
}
