#!/usr/bin/env bash
# docs/rootwarden.conf.5 documents exactly the configuration keys the program reads: the keys[]
# tables of src/config.c (top level, fetch, roots, bundles; kind and name of checks) and each
# check kind's keys (from the program: 'rootwarden help --completion words', made from
# check_kinds()). Every entry gives Type:, Default: and Example:. The examples are real: the
# page's examples, put together into one file (each in its group), and the page's EXAMPLE
# section pass 'rootwarden config check'. groff renders the page without warnings, and
# cmake --install puts it in man5.
set -uo pipefail
src=${RW_SOURCE_DIR:?RW_SOURCE_DIR is not set}
bin=${RW_BINARY:?RW_BINARY is not set}
. "$src/tests/integration/checklib.sh"
for p in python3 openssl; do
	command -v $p >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" help --completion words >"$tmp/words" || fail "help --completion words"
python3 - "$src/src/config.c" "$src/docs/rootwarden.conf.5" "$tmp/words" "$tmp" <<'PY'
import re, sys
config_c, man, words, tmp = sys.argv[1:]
fails = 0
def fail(msg):
    global fails
    fails += 1
    print("FAIL " + msg)

# The program's keys, by group.
code = open(config_c).read()
want = {}
for body in re.findall(r'static const char \*const keys\[\] = \{(.*?)\};', code, re.S):
    keys = [k for k in re.findall(r'"([a-z_0-9]+)"', body)]
    group = ('top' if 'state_dir' in keys else 'fetch' if 'connect_timeout' in keys
             else 'roots' if 'sha256' in keys else 'bundles' if 'path' in keys
             else 'catalog' if 'keys' in keys else 'jwks' if 'cloud' in keys else None)
    if group is None:
        fail("config.c: a keys[] table of unknown group: %s" % keys)
        continue
    want[group] = set(keys)
want['checks'] = set(re.findall(r'keys\[nkeys\+\+\] = "([a-z_]+)"', code))
for line in open(words):
    f = line.split()
    if f[0] == 'kind':
        want.setdefault('checks.' + f[1], set())
    if f[0] == 'checkkey':
        want.setdefault('checks.' + f[1], set()).add(f[2])
for g in ('top', 'fetch', 'roots', 'bundles', 'checks'):
    if not want.get(g):
        fail("no keys found for group %s in config.c" % g)

# The page's entries, by group: ".TP" then ".B key" after a '.\" keys: GROUP' marker.
def plain(s):
    return s.replace('\\(dq', '"').replace('\\-', '-').replace('\\e', '\\')
lines = open(man).read().split('\n')
have, group, entry = {}, None, None
for i, l in enumerate(lines):
    m = re.match(r'^\.\\" keys: (\S+)$', l)
    if m:
        group, entry = m.group(1), None
        have.setdefault(group, {})
        continue
    if l.startswith('.SH'):
        group, entry = None, None
        continue
    if group and l == '.TP' and i + 1 < len(lines) and lines[i + 1].startswith('.B '):
        entry = lines[i + 1][3:].strip()
        if entry in have[group]:
            fail("%s: key %s documented twice" % (group, entry))
        have[group][entry] = []
        continue
    if group and entry:
        have[group][entry].append(l)

n = 0
for g in sorted(set(want) | set(have)):
    w, h = want.get(g, set()), set(have.get(g, {}))
    for k in sorted(w - h):
        fail("rootwarden.conf(5): key %s of %s is not documented" % (k, g))
    for k in sorted(h - w):
        fail("rootwarden.conf(5): documents %s in %s, which the program does not read" % (k, g))
    for k in sorted(h & w):
        n += 1
        text = '\n'.join(have[g][k])
        for field in ('Type:', 'Default:', 'Example:'):
            if field not in text:
                fail("rootwarden.conf(5): %s %s has no %s" % (g, k, field))
print("ok   %d keys documented, each with type, default and example" % n)
if n < 40:
    fail("only %d keys compared" % n)

# The examples, one file: each example in its group.
def example(g, k):
    body = have[g][k]
    for j, l in enumerate(body):
        if l.startswith('Example:'):
            rest = [x for x in body[j + 1:] if x.startswith('.B ')]
            return plain(rest[0][3:]) if rest else None
ex = {g: {k: example(g, k) for k in have.get(g, {})} for g in have}
out = []
for k, v in ex['top'].items():
    if k not in ('fetch', 'roots', 'bundles', 'checks'):
        out.append(v)  # jwks and catalog: their top-level examples are whole groups
out.append('fetch = { %s };' % ' '.join(ex['fetch'].values()))
root = dict(ex['roots'])
root.pop('file')  # a root has urls or a file; the file variant is the top-level example
out.append('roots = ( { %s } );' % ' '.join(root.values()))
bundle = dict(ex['bundles'])
bundle.pop('owner')  # needs a run as root; checked below on its own
bundle.pop('group')
bundle.pop('password_file')  # a file that must exist; the Java format tests read one
out.append('bundles = ( { %s } );' % ' '.join(bundle.values()))
checks = []
for g in sorted(have):
    if g.startswith('checks.'):
        keys = ' '.join(v for v in ex[g].values())
        checks.append('{ kind = "%s"; name = "man-%s"; %s }' % (g[7:], g[7:], keys))
out.append('checks = ( %s );' % ', '.join(checks))
open(tmp + '/examples.conf', 'w').write('\n'.join(out) + '\n')
for k in ('fetch', 'roots', 'bundles', 'checks'):
    open(tmp + '/top-%s.conf' % k, 'w').write(ex['top'][k] + '\n')
open(tmp + '/owner.conf', 'w').write(
    'bundles = ( { name = "b"; path = "/tmp/b.pem"; profiles = [ "azure-sql" ]; %s %s } );\n'
    % (ex['bundles']['owner'], ex['bundles']['group']))

# The EXAMPLE section, as it is.
text = '\n'.join(lines)
m = re.search(r'\.\\" example:.*?\n\.EX\n(.*?)\n\.EE', text, re.S)
if not m:
    fail("rootwarden.conf(5): no EXAMPLE .EX block")
else:
    open(tmp + '/example-section.conf', 'w').write(plain(m.group(1)) + '\n')
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] || fail "the page's entries match the program's keys"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/lab.key" \
	-out "$tmp/lab-root.pem" -subj "/CN=rootwarden man page lab root" -days 365 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	>/dev/null 2>&1 || fail "openssl: a lab root"
for f in examples top-fetch top-roots top-bundles top-checks owner example-section; do
	[ -f "$tmp/$f.conf" ] || continue
	# The file of the roots example must exist: a root generated here stands in for it.
	sed -i "s#/etc/rootwarden/lab-root.pem#$tmp/lab-root.pem#" "$tmp/$f.conf"
	out=$("$bin" config check --quiet --config "$tmp/$f.conf" --roots-dir "$src/roots" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/  /' "$tmp/$f.conf"
	check "the page's examples ($f) pass config check${out:+: $out}" test "$rc" = 0
done

man=$src/docs/rootwarden.conf.5
if command -v groff >/dev/null; then
	check "groff renders rootwarden.conf(5) without warnings" test -z "$(groff -man -ww -z "$man" 2>&1)"
fi
grep -q 'docs/rootwarden.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5' "$src/CMakeLists.txt"
check "rootwarden.conf(5) is installed in man5" test "$?" = 0

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "rootwarden.conf(5): every key documented, every example valid"
