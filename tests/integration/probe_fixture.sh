# probe_fixture.sh - sourced by the probe tests: a test PKI and a test catalog, all made here with
# certtool (nothing pasted). In $PKI:
#   root-a.pem, root-b.pem           two roots (catalog ids test-root-a, test-root-b)
#   int.pem                          intermediate under root A (SHA-256)
#   int-old.pem                      an intermediate under root A that expired in 2021
#   int-sha1.pem                     an intermediate under root A signed with SHA-1
#   leaf.pem / leaf-key.pem          localhost + 127.0.0.1, issued by int
#   full.pem                         leaf + int (the chain a server should send)
#   wronghost.pem                    leaf for db.other.example (+ int)
#   expired-int.pem                  leaf issued by int-old (+ int-old)
#   sha1-int.pem                     leaf issued by int-sha1 (+ int-sha1)
#   bundle-a.pem, bundle-b.pem, bundle-ab.pem   client bundles
#   roots/catalog.conf               the two roots and profile test-svc: root A now, root B from
#                                    2090-01-01 (a coming step), so rotation verdicts are exact
# Needs: certtool (gnutls-bin), openssl (the SPKI pins).
probe_fixture() {
	PKI=$1
	mkdir -p "$PKI/roots"
	local d=$PKI
	key() { certtool --generate-privkey --key-type rsa --bits 2048 --outfile "$d/$1" >/dev/null 2>&1; }
	ca_tmpl() { printf 'cn = "%s"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 3650\n' "$1" >"$d/$2.tmpl"; }
	key root-a-key.pem
	key root-b-key.pem
	key int-key.pem
	key leaf-key.pem
	ca_tmpl "Test Root A" root-a
	ca_tmpl "Test Root B" root-b
	# the roots outlive the catalog's coming step (2090)
	sed -i 's/^expiration_days = 3650$/expiration_date = "2099-12-31 00:00:00"/' "$d/root-a.tmpl" "$d/root-b.tmpl"
	certtool --generate-self-signed --load-privkey "$d/root-a-key.pem" --template "$d/root-a.tmpl" --outfile "$d/root-a.pem" >/dev/null 2>&1
	certtool --generate-self-signed --load-privkey "$d/root-b-key.pem" --template "$d/root-b.tmpl" --outfile "$d/root-b.pem" >/dev/null 2>&1
	ca_tmpl "Test Intermediate" int
	certtool --generate-certificate --load-privkey "$d/int-key.pem" --load-ca-certificate "$d/root-a.pem" \
		--load-ca-privkey "$d/root-a-key.pem" --template "$d/int.tmpl" --outfile "$d/int.pem" >/dev/null 2>&1
	printf 'cn = "Test Intermediate Old"\nca\ncert_signing_key\nactivation_date = "2019-01-01 00:00:00"\nexpiration_date = "2021-01-01 00:00:00"\n' >"$d/int-old.tmpl"
	certtool --generate-certificate --load-privkey "$d/int-key.pem" --load-ca-certificate "$d/root-a.pem" \
		--load-ca-privkey "$d/root-a-key.pem" --template "$d/int-old.tmpl" --outfile "$d/int-old.pem" >/dev/null 2>&1
	ca_tmpl "Test Intermediate SHA1" int-sha1
	certtool --generate-certificate --hash SHA1 --load-privkey "$d/int-key.pem" --load-ca-certificate "$d/root-a.pem" \
		--load-ca-privkey "$d/root-a-key.pem" --template "$d/int-sha1.tmpl" --outfile "$d/int-sha1.pem" >/dev/null 2>&1
	printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 365\n' >"$d/leaf.tmpl"
	printf 'cn = "db.other.example"\ndns_name = "db.other.example"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 365\n' >"$d/wrong.tmpl"
	leaf() { # issuer template out
		certtool --generate-certificate --load-privkey "$d/leaf-key.pem" --load-ca-certificate "$d/$1.pem" \
			--load-ca-privkey "$d/int-key.pem" --template "$d/$2.tmpl" --outfile "$d/$3" >/dev/null 2>&1
	}
	leaf int leaf leaf.pem
	leaf int wrong wrong-leaf.pem
	leaf int-old leaf old-leaf.pem
	leaf int-sha1 leaf sha1-leaf.pem
	cat "$d/leaf.pem" "$d/int.pem" >"$d/full.pem"
	cat "$d/wrong-leaf.pem" "$d/int.pem" >"$d/wronghost.pem"
	cat "$d/old-leaf.pem" "$d/int-old.pem" >"$d/expired-int.pem"
	cat "$d/sha1-leaf.pem" "$d/int-sha1.pem" >"$d/sha1-int.pem"
	cat "$d/int.pem" "$d/leaf.pem" >"$d/wrong-order.pem"
	cp "$d/root-a.pem" "$d/bundle-a.pem"
	cp "$d/root-b.pem" "$d/bundle-b.pem"
	cat "$d/root-a.pem" "$d/root-b.pem" >"$d/bundle-ab.pem"
	cp "$d/root-a.pem" "$d/root-b.pem" "$d/roots/"
	local pa pb sa sb
	pa=$(certtool --fingerprint --hash sha256 --infile "$d/root-a.pem" | tr a-f A-F)
	pb=$(certtool --fingerprint --hash sha256 --infile "$d/root-b.pem" | tr a-f A-F)
	spki() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -c1-64 | tr a-f A-F; }
	sa=$(spki "$d/root-a.pem")
	sb=$(spki "$d/root-b.pem")
	cat >"$d/roots/catalog.conf" <<CONF
catalog_version = 1;
roots = (
  { id = "test-root-a"; name = "Test Root A"; file = "root-a.pem"; sha256 = "$pa"; spki_sha256 = "$sa"; },
  { id = "test-root-b"; name = "Test Root B"; file = "root-b.pem"; sha256 = "$pb"; spki_sha256 = "$sb"; }
);
profiles = (
  { id = "test-svc"; name = "a test service";
    steps = (
      { from = "2000-01-01"; required = [ "test-root-a" ]; note = "servers chain to root A"; },
      { from = "2090-01-01"; required = [ "test-root-b" ]; note = "servers move to root B"; }
    ); }
);
CONF
	chmod -R a+rX "$PKI"
}

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (5 s at most; 1 if nothing does).
wait_port() {
	for _ in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2).close()" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# s_server LEAF VERSIONFLAG [CHAIN] -> $PORT: openssl s_server with $PKI's LEAF (and CHAIN, sent
# in the file's order), its pid added to the caller's PIDS array for the caller's cleanup.
s_server() {
	PORT=$(free_port)
	openssl s_server -accept "127.0.0.1:$PORT" -cert "$PKI/$1" -key "$PKI/leaf-key.pem" $2 \
		${3:+-cert_chain "$PKI/$3"} \
		-cipher DEFAULT:@SECLEVEL=0 -quiet </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	wait_port "$PORT"
}
# The versions line of a probe's JSON: "TLS1.0=refused TLS1.1=refused TLS1.2=accepted ...".
probe_versions() {
	python3 -c 'import json,sys; d=json.load(sys.stdin)["endpoints"][0]; print(" ".join("%s=%s"%(k,v) for k,v in d["versions"].items()))'
}
# How many certificates the first endpoint sent.
probe_chain_len() {
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)["endpoints"][0]["chain"]))'
}
# The verdict of one rule (first finding with it, optionally for a subject).
probe_rule() { # rule [subject] < json
	python3 -c '
import json,sys
d=json.load(sys.stdin)["endpoints"][0]
for f in d["findings"]:
    if f["rule"]==sys.argv[1] and (len(sys.argv)<3 or f["subject"]==sys.argv[2]):
        print(f["verdict"]); break
else: print("none")' "$@"
}

# probe_test_setup: the usual start of a probe test: a temporary directory $T, removed at exit
# after the servers whose pids the test adds to PIDS are killed, the test PKI in $T/pki and its
# catalog as ROOTWARDEN_ROOTS_DIR.
probe_test_setup() {
	T=$(mktemp -d)
	PIDS=()
	trap probe_test_cleanup EXIT
	probe_fixture "$T/pki"
	export ROOTWARDEN_ROOTS_DIR=$T/pki/roots
}
probe_test_cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
