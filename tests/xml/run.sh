#!/usr/bin/env bash
# The XML signature suite: `inkan card sign-xml` and `inkan verify xml` beside xmlsec1
# (libxmlsec1 over OpenSSL), both ways, on e-Tax, deduction-certificate and e-Gov shapes.
#
#  (a) a PKI made here with OpenSSL; a filing with two sibling signatures made by
#      `xmlsec1 sign` → inkan: valid, 2 signatures; one DigestValue byte changed → exit 10
#  (b) a filing signed twice by inkan on the software card → xmlsec1 and inkan verify
#      both; the output is the input with one insertion (the prefix is unchanged)
#  (c) enveloped: inkan signs → xmlsec1 verifies; xmlsec1 signs → inkan verifies
#  (d) e-Gov: kousei.xml + 2 attachments signed by inkan → inkan verifies the ZIP and the
#      folder (3 references); a changed attachment → exit 10; xmlsec1 on the same files
#  (e) attacks: an unsigned procedure element appended → xml-wrapping; billion laughs →
#      xml-dtd-refused
#
# Needs xmlsec1: installed with apt-get when run as root, otherwise the command is printed
# and the suite fails. Every file lives in one temporary directory, removed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
INKAN="$TARGET_DIR/debug/inkan"
DSIG=http://www.w3.org/2000/09/xmldsig#
# The software card's PKI is fixed in time (its CRL covers April 2024): both tools check it
# at this instant, so the suite does not age.
SIM_AT=2024-04-15T00:00:00Z
SIM_AT_XMLSEC="2024-04-15 00:00:00"

log() { printf '== xml: %s\n' "$*"; }
fail() {
    printf '== xml: FAILED: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- xmlsec1
if ! command -v xmlsec1 >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing xmlsec1"
        if ! apt-cache policy xmlsec1 2>/dev/null | grep -q 'Candidate: [0-9]'; then
            apt-get update -qq
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null
    else
        log "xmlsec1 is missing"
        echo "run: sudo apt-get install -y xmlsec1"
        exit 1
    fi
fi
command -v python3 >/dev/null || fail "python3 is needed"
command -v openssl >/dev/null || fail "openssl is needed"

t_start=$SECONDS
log "building inkan ($(xmlsec1 --version))"
cargo build --quiet -p inkan

work=$(mktemp -d "${TMPDIR:-/tmp}/inkan-xml.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
t_suite=$SECONDS
export INKAN_XML_PIN=ABC123

# ---------------------------------------------------------------- helpers
# expect RC OUT CMD…: runs CMD, stdout to OUT, stderr to OUT.err; fails unless it exits RC.
expect() {
    local want=$1 out=$2 rc=0
    shift 2
    "$@" >"$out" 2>"$out.err" || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "--- stdout:" >&2
        head -c 4000 "$out" >&2
        echo "--- stderr:" >&2
        tail -n 20 "$out.err" >&2
        fail "exit $rc, expected $want: $*"
    fi
}

# jcheck FILE WHAT PYEXPR…: each Python expression, over the JSON in FILE as `v`, is true.
jcheck() {
    local file=$1 what=$2
    shift 2
    python3 - "$file" "$@" <<'EOF' || fail "$what"
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
for e in sys.argv[2:]:
    if not eval(e, {"v": v}):
        print(f"--- false: {e}\n--- JSON: {json.dumps(v, ensure_ascii=False)[:3000]}",
              file=sys.stderr)
        sys.exit(1)
EOF
    log "  ok: $what"
}

# xmlsec_ok WHAT ARGS…: `xmlsec1 verify ARGS…` says OK.
xmlsec_ok() {
    local what=$1
    shift
    expect 0 "$work/xmlsec.out" xmlsec1 verify "$@"
    grep -qx OK "$work/xmlsec.out.err" || fail "xmlsec1 did not print OK: $what"
    log "  ok: xmlsec1: $what"
}

# iverify OUT RC ARGS…: `inkan verify xml --json ARGS…` exits RC.
iverify() {
    local out=$1 rc=$2
    shift 2
    expect "$rc" "$out" "$INKAN" verify xml --json "$@"
}

# isign IN OUT ARGS…: `inkan card sign-xml` on the software card; its JSON goes to
# $work/sign-<basename OUT>.json.
isign() {
    local in=$1 out=$2 json
    shift 2
    json="$work/sign-$(basename "$out").json"
    expect 0 "$json" "$INKAN" card sign-xml --reader "sim:$work/card" --pin-env INKAN_XML_PIN \
        --in "$in" --out "$out" --json "$@"
    jcheck "$json" "sign-xml → $(basename "$out")" 'v["ok"] is True'
}

# A dsig:Signature template: sig_template ID TRANSFORMS REFURI [REFURI…]. The first
# reference gets the transforms (same-document), the others none (attached files).
sig_template() {
    local id=$1 transforms=$2 uri first=1
    shift 2
    printf '<dsig:Signature xmlns:dsig="%s" Id="%s"><dsig:SignedInfo>' "$DSIG" "$id"
    printf '<dsig:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    printf '<dsig:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    for uri in "$@"; do
        printf '<dsig:Reference URI="%s">' "$uri"
        if [ "$first" = 1 ]; then
            printf '<dsig:Transforms>'
            for t in $transforms; do printf '<dsig:Transform Algorithm="%s"/>' "$t"; done
            printf '</dsig:Transforms>'
            first=0
        fi
        printf '<dsig:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><dsig:DigestValue/></dsig:Reference>'
    done
    printf '</dsig:SignedInfo><dsig:SignatureValue/><dsig:KeyInfo><dsig:X509Data/></dsig:KeyInfo></dsig:Signature>'
}
C14N=http://www.w3.org/TR/2001/REC-xml-c14n-20010315
ENVELOPED=http://www.w3.org/2000/09/xmldsig#enveloped-signature

# offset FILE STRING: the byte offset of the last STRING in FILE.
offset() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read().rindex(sys.argv[2].encode()))' "$1" "$2"; }

# only_inserted BEFORE AFTER CLOSE: AFTER is BEFORE with bytes inserted just before its
# last CLOSE tag: the first N bytes (up to the insertion point) and the tail are equal.
only_inserted() {
    local n tail
    n=$(offset "$1" "$3")
    tail=$(($(stat -c %s "$1") - n))
    cmp -n "$n" "$1" "$2" || fail "$2 changed bytes before the insertion point ($n)"
    cmp <(tail -c "$tail" "$1") <(tail -c "$tail" "$2") || fail "$2 changed the tail"
    [ "$(stat -c %s "$2")" -gt "$(stat -c %s "$1")" ] || fail "$2 is not longer than $1"
    log "  ok: $(basename "$2") = $(basename "$1") with one insertion at byte $n (cmp)"
}

# The filing of (a), (b) and (e): e-Tax shape, procedure element RKO0010.
filing_head() {
    cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<DATA xmlns="http://xml.e-tax.nta.go.jp/XSD/shotoku" xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" id="DATA">
  <RKO0010 VR="23.0.0" id="RKO0010">
    <gen:NAME>山田 太郎</gen:NAME>
    <gen:ADDRESS>東京都千代田区霞が関三丁目1番1号</gen:ADDRESS>
    <SHOTOKU><KYUYO>5200000</KYUYO><ZATSU>120000</ZATSU></SHOTOKU>
    <BIKO>令和6年分 確定申告書</BIKO>
  </RKO0010>
EOF
}

# ---------------------------------------------------------------- the software card
expect 0 sim.out "$INKAN" sim init "$work/card"
SIM_TRUST=(--trust-anchors "$work/card/pki" --crl "$work/card/pki/sign.crl" --at "$SIM_AT")
SIM_XMLSEC=(--trusted-pem "$work/card/pki/sign-root-gen3.pem" --untrusted-der "$work/card/sign-ca.der"
    --verification-gmt-time "$SIM_AT_XMLSEC")

# ---------------------------------------------------------------- (a)
log "(a) a PKI made with OpenSSL; two sibling signatures made by xmlsec1 sign"
mkdir pki
cat >pki/ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
(
    cd pki
    openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 \
        -subj "/C=JP/O=inkan test/CN=Test Root CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr \
        -subj "/C=JP/O=inkan test/CN=Test Intermediate CA"
    openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 -days 3000 \
        -extfile ext.cnf -extensions ca -out inter.pem
    openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
        -subj "/C=JP/O=inkan test/CN=Test Signer"
    openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -set_serial 3 -days 1000 \
        -extfile ext.cnf -extensions leaf -out leaf.pem
    openssl verify -CAfile root.pem -untrusted inter.pem leaf.pem
) >pki/openssl.log 2>&1 || { cat pki/openssl.log >&2; fail "making the OpenSSL PKI"; }
openssl x509 -in pki/leaf.pem -noout -ext keyUsage | grep -q "Digital Signature, Non Repudiation" ||
    fail "the leaf's keyUsage is not digitalSignature,nonRepudiation"
KEY=pki/leaf.key,pki/leaf.pem,pki/inter.pem
XS_ETAX=(--id-attr:id RKO0010 --id-attr:Id "$DSIG:Signature" --enabled-reference-uris same-doc)

{
    filing_head
    printf '  '; sig_template Signature1 "$C14N" '#RKO0010'; echo
    printf '  '; sig_template Signature2 "$C14N" '#RKO0010'; echo
    echo '</DATA>'
} >a-template.xtx
expect 0 a1.out xmlsec1 sign "${XS_ETAX[@]}" --node-id Signature1 --privkey-pem "$KEY" \
    --output a1.xtx a-template.xtx
expect 0 a2.out xmlsec1 sign "${XS_ETAX[@]}" --node-id Signature2 --privkey-pem "$KEY" \
    --output a.xtx a1.xtx
A_TRUST=(--trust-anchors pki/root.pem --intermediate pki/inter.pem)
iverify a.json 0 --in a.xtx "${A_TRUST[@]}"
jcheck a.json "inkan: both xmlsec1 signatures valid" \
    'v["ok"] is True and v["valid"] is True and "error" not in v' \
    'len(v["signatures"]) == 2' \
    '[s["id"] for s in v["signatures"]] == ["Signature1", "Signature2"]' \
    'all(s["valid"] and s["references"] == [{"uri": "#RKO0010", "valid": True}] for s in v["signatures"])' \
    'all(s["signer"]["subject"] == "CN=Test Signer,O=inkan test,C=JP" for s in v["signatures"])' \
    'all(s["certificate_kind"] == "other" and s["anchor"]["source"] == "explicit" for s in v["signatures"])' \
    'all(s["revocation"]["status"] == "not-checked" for s in v["signatures"])'
# One byte of Signature1's DigestValue changed (still base64).
python3 - a.xtx a-bad.xtx <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
i = b.index(b"<dsig:DigestValue>") + len(b"<dsig:DigestValue>")
b = b[:i] + (b"B" if b[i:i + 1] != b"B" else b"C") + b[i + 1:]
open(sys.argv[2], "wb").write(b)
EOF
iverify a-bad.json 10 --in a-bad.xtx "${A_TRUST[@]}"
jcheck a-bad.json "inkan: a changed DigestValue → exit 10, xml-digest-mismatch on Signature1 only" \
    'v["ok"] is True and v["valid"] is False' \
    'v["signatures"][0]["id"] == "Signature1" and v["signatures"][0]["valid"] is False' \
    'v["signatures"][0]["error"]["code"] == "xml-digest-mismatch"' \
    'v["signatures"][0]["references"][0]["valid"] is False' \
    'v["signatures"][0]["references"][0]["error"]["code"] == "xml-digest-mismatch"' \
    'v["signatures"][1]["valid"] is True and "error" not in v["signatures"][1]'

# ---------------------------------------------------------------- (b)
log "(b) a filing signed twice by inkan card sign-xml (software card)"
{ filing_head; echo '</DATA>'; } >b.xtx
isign b.xtx b1.xtx --ref RKO0010
jcheck sign-b1.xtx.json "sign-xml: one reference #RKO0010" 'v["references"] == ["#RKO0010"]'
isign b1.xtx b2.xtx --ref RKO0010
only_inserted b.xtx b1.xtx '</DATA>'
only_inserted b1.xtx b2.xtx '</DATA>'
for n in 1 2; do
    xmlsec_ok "Signature$n of the filing signed twice by inkan" "${XS_ETAX[@]}" --node-id "Signature$n" \
        "${SIM_XMLSEC[@]}" b2.xtx
done
iverify b.json 0 --in b2.xtx "${SIM_TRUST[@]}"
jcheck b.json "inkan: both signatures valid, JPKI signature certificate, CRL good" \
    'v["ok"] is True and v["valid"] is True' \
    '[s["id"] for s in v["signatures"]] == ["Signature1", "Signature2"]' \
    'all(s["valid"] and s["references"] == [{"uri": "#RKO0010", "valid": True}] for s in v["signatures"])' \
    'all(s["certificate_kind"] == "signature" for s in v["signatures"])' \
    'all(s["revocation"]["status"] == "good" for s in v["signatures"])'

# ---------------------------------------------------------------- (c)
log "(c) enveloped signatures (deduction-certificate shape, lowercase id on the root)"
cat >c.xml <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<KOJO xmlns="http://xml.e-tax.nta.go.jp/XSD/kojo" id="KOJO">
  <SHOMEI><NAME>生命保険料控除証明書</NAME><HOKEN>一般生命保険</HOKEN><AMOUNT>80000</AMOUNT></SHOMEI>
</KOJO>
EOF
isign c.xml c-inkan.xml --enveloped
jcheck sign-c-inkan.xml.json "sign-xml --enveloped" 'v["enveloped"] is True'
grep -q "<dsig:Reference URI=\"#KOJO\"><dsig:Transforms><dsig:Transform Algorithm=\"$ENVELOPED\"/>" c-inkan.xml ||
    fail "inkan's enveloped reference is not URI=#KOJO with the enveloped-signature transform"
XS_KOJO=(--id-attr:id KOJO --id-attr:Id "$DSIG:Signature" --enabled-reference-uris same-doc)
xmlsec_ok "inkan's enveloped signature" "${XS_KOJO[@]}" "${SIM_XMLSEC[@]}" c-inkan.xml
iverify c-inkan.json 0 --in c-inkan.xml "${SIM_TRUST[@]}"
jcheck c-inkan.json "inkan: its own enveloped signature valid" 'v["valid"] is True' \
    'v["signatures"][0]["references"] == [{"uri": "#KOJO", "valid": True}]'
{
    sed '$d' c.xml
    sig_template Signature1 "$ENVELOPED $C14N" '#KOJO'
    echo '</KOJO>'
} >c-template.xml
expect 0 c-xs.out xmlsec1 sign "${XS_KOJO[@]}" --privkey-pem "$KEY" --output c-xmlsec.xml c-template.xml
iverify c-xmlsec.json 0 --in c-xmlsec.xml "${A_TRUST[@]}"
jcheck c-xmlsec.json "inkan: xmlsec1's enveloped signature valid" \
    'v["ok"] is True and v["valid"] is True and len(v["signatures"]) == 1' \
    'v["signatures"][0]["valid"] is True' \
    'v["signatures"][0]["references"] == [{"uri": "#KOJO", "valid": True}]'

# ---------------------------------------------------------------- (d)
log "(d) e-Gov application: kousei.xml (#構成情報) and two attachments"
mkdir app
cat >app/kousei.xml <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<構成管理 xmlns:dsig="http://www.w3.org/2000/09/xmldsig#">
<構成情報 id="構成情報"><申請書属性情報><手続識別子>950A010002000000</手続識別子><申請種別>新規申請</申請種別></申請書属性情報><添付書類属性情報><ファイル名>a.pdf</ファイル名><ファイル名>b.txt</ファイル名></添付書類属性情報></構成情報>
</構成管理>
EOF
printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x01\x02\xfe\xff\n%%%%EOF\n' >app/a.pdf
printf '添付書類: 住民票の写し\n' >app/b.txt
mv app/kousei.xml kousei-unsigned.xml
isign kousei-unsigned.xml app/kousei.xml --ref 構成情報 --attachment app/a.pdf --attachment app/b.txt
jcheck sign-kousei.xml.json "sign-xml: #構成情報 and both files by name" \
    "v['references'] == ['#構成情報', 'a.pdf', 'b.txt']"
# The document's bytes, a ZIP of the folder.
zipit() {
    python3 - "$1" "$2" <<'EOF'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        z.write(os.path.join(src, name), "app/" + name)
EOF
}
zipit app app.zip
EGOV_REFS='["#%E6%A7%8B%E6%88%90%E6%83%85%E5%A0%B1", "a.pdf", "b.txt"]'
iverify d.json 0 --in app.zip "${SIM_TRUST[@]}"
jcheck d.json "inkan: app.zip valid, 3 references" \
    'v["ok"] is True and v["valid"] is True and len(v["signatures"]) == 1' \
    'len(v["signatures"][0]["references"]) == 3' \
    "[r['uri'] for r in v['signatures'][0]['references']] == $EGOV_REFS" \
    'all(r["valid"] for r in v["signatures"][0]["references"])'
iverify d-dir.json 0 --in app/kousei.xml "${SIM_TRUST[@]}"
jcheck d-dir.json "inkan: app/kousei.xml with its attachments beside it valid" 'v["valid"] is True'
cp -r app app-bad
printf '添付書類: 差し替えられた\n' >app-bad/b.txt
zipit app-bad app-bad.zip
iverify d-bad.json 10 --in app-bad.zip "${SIM_TRUST[@]}"
jcheck d-bad.json "inkan: a changed attachment → exit 10, xml-digest-mismatch on b.txt" \
    'v["ok"] is True and v["valid"] is False' \
    'v["signatures"][0]["error"]["code"] == "xml-digest-mismatch"' \
    '[r["valid"] for r in v["signatures"][0]["references"]] == [True, True, False]' \
    'v["signatures"][0]["references"][2]["error"]["code"] == "xml-digest-mismatch"'
iverify d-bad-dir.json 10 --in app-bad/kousei.xml "${SIM_TRUST[@]}"
jcheck d-bad-dir.json "inkan: the same from the folder" \
    'v["signatures"][0]["error"]["code"] == "xml-digest-mismatch"'

# xmlsec1 on the e-Gov files. It calls a relative URI without a scheme ("a.pdf")
# "remote" ("local" is only file://…) and resolves it against its working directory, so:
# --enabled-reference-uris same-doc,remote, run in the folder.
XS_EGOV=(--id-attr:id 構成情報 --id-attr:Id "$DSIG:Signature" --enabled-reference-uris same-doc,remote)
rc=0
(cd app && xmlsec1 verify "${XS_EGOV[@]}" "${SIM_XMLSEC[@]}" kousei.xml) >d-xs.out 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
    grep -qx OK d-xs.out || fail "xmlsec1 exited 0 without OK on kousei.xml"
    log "  ok: xmlsec1: inkan's kousei.xml (percent-encoded #構成情報) verifies"
elif grep -qF "xpointer(id('%E6%A7%8B%E6%88%90%E6%83%85%E5%A0%B1'))" d-xs.out; then
    log "  KNOWN: xmlsec1 $(xmlsec1 --version | awk '{print $2}') does not percent-decode the fragment"
    log "         URI=\"#%E6%A7%8B%E6%88%90%E6%83%85%E5%A0%B1\": it looks up id('%E6%A7%8B…') and finds"
    log "         no element, so it refuses inkan's kousei.xml (the bare name #構成情報 it resolves)"
else
    cat d-xs.out >&2
    fail "xmlsec1 refused inkan's kousei.xml for another reason than the percent-encoded fragment"
fi
# The same signature with the fragment written as the bare name: xmlsec1 then computes all
# three references to the digests inkan wrote (the signature value no longer matches, as
# SignedInfo changed).
sed 's/URI="#%E6%A7%8B%E6%88%90%E6%83%85%E5%A0%B1"/URI="#構成情報"/' app/kousei.xml >app/kousei-bare.xml
grep -q 'URI="#構成情報"' app/kousei-bare.xml || fail "no percent-encoded fragment to rewrite"
rc=0
(cd app && xmlsec1 verify "${XS_EGOV[@]}" "${SIM_XMLSEC[@]}" kousei-bare.xml) >d-xs-bare.out 2>&1 || rc=$?
grep -qx "SignedInfo References (ok/all): 3/3" d-xs-bare.out || {
    cat d-xs-bare.out >&2
    fail "xmlsec1 does not reproduce inkan's three digests (element and both files)"
}
log "  ok: xmlsec1: the 3 digests of inkan's signature (#構成情報, a.pdf, b.txt) match"
rm app/kousei-bare.xml
# xmlsec1 signs the e-Gov shape (bare-name fragment, files by name) → inkan verifies.
mkdir app-xs
cp app/a.pdf app/b.txt app-xs/
{
    sed '$d' kousei-unsigned.xml
    sig_template Signature1 "$C14N" '#構成情報' a.pdf b.txt
    echo '</構成管理>'
} >app-xs/template.xml
(cd app-xs && xmlsec1 sign "${XS_EGOV[@]}" --privkey-pem "$work/pki/leaf.key,$work/pki/leaf.pem,$work/pki/inter.pem" \
    --output kousei.xml template.xml) >d-xs-sign.out 2>&1 || { cat d-xs-sign.out >&2; fail "xmlsec1 sign (e-Gov)"; }
rm app-xs/template.xml
zipit app-xs app-xs.zip
iverify d-xs.json 0 --in app-xs.zip "${A_TRUST[@]}"
jcheck d-xs.json "inkan: xmlsec1's e-Gov signature (ZIP) valid, 3 references" \
    'v["valid"] is True and len(v["signatures"][0]["references"]) == 3' \
    "[r['uri'] for r in v['signatures'][0]['references']] == ['#構成情報', 'a.pdf', 'b.txt']" \
    'all(r["valid"] for r in v["signatures"][0]["references"])'

# ---------------------------------------------------------------- (e)
log "(e) attacks"
python3 - b1.xtx e-wrap.xtx <<'EOF'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
i = s.rindex("</DATA>")
s = s[:i] + '<RKO0020 VR="23.0.0" id="RKO0020"><gen:NAME>山田 太郎</gen:NAME><KANPU>9999999</KANPU></RKO0020>\n' + s[i:]
open(sys.argv[2], "w", encoding="utf-8").write(s)
EOF
iverify e-wrap.json 10 --in e-wrap.xtx "${SIM_TRUST[@]}"
jcheck e-wrap.json "inkan: an unsigned procedure element appended → exit 10, xml-wrapping" \
    'v["ok"] is True and v["valid"] is False' \
    'v["error"]["code"] == "xml-wrapping"' \
    'any(u.startswith("RKO0020") for u in v["unsigned_elements"])' \
    'not any(u.startswith("RKO0010") for u in v["unsigned_elements"])' \
    'v["signatures"][0]["valid"] is True'
xmlsec_ok "the same file verifies (xmlsec1 checks the signature, not what it leaves unsigned)" \
    "${XS_ETAX[@]}" --node-id Signature1 "${SIM_XMLSEC[@]}" e-wrap.xtx
python3 - e-lol.xml <<'EOF'
import sys
d = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">\n'
for i in range(1, 10):
    d += '<!ENTITY lol%d "%s">\n' % (i, ("&lol%d;" % (i - 1)) * 10)
d += ']>\n<lolz>&lol9;</lolz>\n'
open(sys.argv[1], "w").write(d)
EOF
iverify e-lol.json 10 --in e-lol.xml "${SIM_TRUST[@]}"
jcheck e-lol.json "inkan: billion laughs → exit 10, xml-dtd-refused" \
    'v["ok"] is True and v["valid"] is False' \
    'v["error"]["code"] == "xml-dtd-refused"' 'v["signatures"] == []'

log "passed: suite $((SECONDS - t_suite)) s, total with the build $((SECONDS - t_start)) s"
