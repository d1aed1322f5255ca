// Browser end to end: the demo page in headless Chromium (Debian's, through
// playwright-core), the real inkan wasm, and the fake navigator.usb whose devices are the
// virtual readers of crates/sim compiled to wasm. Usage: node run.mjs <site dir>
// (the directory `tools/web/stage-site.sh` prints). Screenshots: target/e2e-screenshots/.

import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const site = resolve(process.argv[2] ?? "target/demo-site");
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shots = join(repo, "target/e2e-screenshots");
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "inkan-e2e-"));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".pem": "text/plain",
  ".der": "application/octet-stream",
  ".ts": "text/plain",
};

// The verification service (`inkan serve`) beside the page, as `just demo` runs it; the
// page finds it through service.json.
let serviceUrl = null;

// A static file server on 127.0.0.1 (a secure context for WebUSB).
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (path === "/service.json" && serviceUrl) {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify({ url: serviceUrl }));
    return;
  }
  let file = normalize(join(site, path));
  if (!file.startsWith(site)) {
    res.writeHead(403).end();
    return;
  }
  try {
    if (statSync(file).isDirectory()) file = join(file, "index.html");
    const body = readFileSync(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;

const serveBin = join(resolve(repo, process.env.CARGO_TARGET_DIR ?? "target"), "debug", "inkan");
const anchorArgs = readdirSync(join(site, "cards")).flatMap((c) => ["--trust-anchors", join(site, "cards", c, "pki")]);
const svc = spawn(serveBin, ["serve", "--listen", "127.0.0.1:0", ...anchorArgs, "--cors-origin", base.replace(/\/$/, "")], {
  stdio: ["ignore", "pipe", "ignore"],
});
serviceUrl = await new Promise((resolveUrl, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error("inkan serve did not start")), 30_000);
  svc.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/\S+)/);
    if (m) {
      clearTimeout(timer);
      resolveUrl(m[1]);
    }
  });
  svc.on("exit", (code) => reject(new Error("inkan serve exited: " + code)));
});
process.on("exit", () => svc.kill());

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  timeout: 60_000,
});

let failures = 0;
const results = [];
async function test(name, f) {
  const t0 = Date.now();
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`[pageerror] ${e.message}`));
  try {
    await f(page);
    results.push(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures++;
    results.push(`FAIL ${name}: ${e.message}`);
    await page.screenshot({ path: join(shots, `FAIL-${name.replace(/\W+/g, "-")}.png`), fullPage: true }).catch(() => {});
    console.error(`--- ${name}\n${e.stack}\n${logs.join("\n")}`);
  } finally {
    await context.close();
  }
  console.log(results[results.length - 1]);
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function openVirtual(page, { reader = "scr3310-nttcom", card = "default", iwa = false } = {}) {
  await page.goto(base + "?virtual&timeScale=0.02");
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  await page.selectOption("#v-reader", reader);
  await page.selectOption("#v-card", card);
  if (iwa) await page.check("#v-iwa");
  await page.click("#connect-virtual");
}

async function connectVirtual(page, opts) {
  await openVirtual(page, opts);
  await page.waitForSelector("#view-overview:not([hidden]) #pin-list li", { timeout: 60_000 });
}

async function message(page) {
  await page.waitForSelector("#message:not([hidden])");
  return page.textContent("#message");
}

function openssl(args, input) {
  return execFileSync("openssl", args, { input, stdio: ["pipe", "pipe", "pipe"] }).toString();
}

const pki = join(site, "cards/default/pki");
const signRoots = join(work, "sign-roots.pem");
writeFileSync(
  signRoots,
  readdirSync(pki)
    .filter((f) => f.startsWith("sign-root-gen") && f.endsWith(".pem"))
    .map((f) => readFileSync(join(pki, f), "utf8"))
    .join(""),
);

async function signFile(page, { pin, name = "hello.txt", body = "inkan e2e: こんにちは\n", detached = false }) {
  await page.click("nav [data-view=sign]");
  await page.setInputFiles("#sign-file", { name, mimeType: "text/plain", buffer: Buffer.from(body) });
  if (detached) await page.check("#sign-detached");
  await page.fill("#sign-pin", pin);
  await page.click("#sign-button");
}

async function fetchBlob(page, selector) {
  const bytes = await page.evaluate(async (sel) => {
    const a = document.querySelector(sel);
    return Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer()));
  }, selector);
  return Buffer.from(bytes);
}

await test("connect and overview (SCR3310-NTTCom)", async (page) => {
  await connectVirtual(page);
  const certs = await page.textContent("#cert-list");
  check(/valid until|まで有効/i.test(certs), "certificate validity shown: " + certs);
  const pins = await page.textContent("#pin-list");
  check(pins.includes("5 of 5") && pins.includes("3 of 3"), "PIN counters shown: " + pins);
  check((await page.getAttribute("#pin-list", "class")) === "cards", "pin list rendered");
  await shot(page, "01-overview");
  await page.click("[data-lang=ja]");
  await shot(page, "01-overview-ja");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "01-overview-phone");
});

await test("sign a file; the .p7s verifies with openssl cms", async (page) => {
  await connectVirtual(page);
  const body = "inkan e2e: signed in the browser\n";
  await signFile(page, { pin: "abc123", body });
  await page.waitForSelector("#sign-result:not([hidden])", { timeout: 60_000 });
  check((await page.inputValue("#sign-pin")) === "", "PIN field cleared");
  // The verification service checked the new signature.
  await page.waitForFunction(() => document.querySelector("#sign-service").textContent.length > 0, null, { timeout: 60_000 });
  const svcCheck = await page.evaluate(() => window.inkanDemo.lastSignCheck);
  check(svcCheck && svcCheck.valid === true && svcCheck.kind === "signature", "service: valid signature " + JSON.stringify(svcCheck));
  check((await page.textContent("#sign-service")).includes("valid: signed by"), "the page says the service found it valid");
  await shot(page, "02-signed");
  const p7s = join(work, "signed.p7s");
  writeFileSync(p7s, await fetchBlob(page, "#sign-download"));
  const out = join(work, "content.txt");
  const r = execFileSync(
    "openssl",
    ["cms", "-verify", "-binary", "-purpose", "any", "-inform", "DER", "-in", p7s, "-CAfile", signRoots, "-out", out],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  check(readFileSync(out, "utf8") === body, "openssl recovered the signed content");
  const attrs = openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", p7s]);
  check(attrs.includes("signingTime") && attrs.includes("id-smime-aa-signingCertificateV2"), "CAdES-BES attributes present");
  // The CLI signs the same body with the same card (a copy of its directory) through the
  // same inkan-signer code: the two CMS structures must agree field by field, apart from
  // the signing time and the signature value that depends on it.
  const cliCard = join(work, "cli-card");
  cpSync(join(site, "cards/default"), cliCard, { recursive: true });
  writeFileSync(join(work, "cli-body.txt"), body);
  const cliP7s = join(work, "cli.p7s");
  const targetDir = resolve(repo, process.env.CARGO_TARGET_DIR ?? "target");
  execFileSync(join(targetDir, "debug/inkan"), ["card", "sign", "--reader", `sim:${cliCard}`, "--in", join(work, "cli-body.txt"), "--out", cliP7s, "--format", "cms", "--pin-env", "E2E_SIGN_PIN"], { env: { ...process.env, E2E_SIGN_PIN: "ABC123" }, stdio: "pipe" });
  const cliAttrs = openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", cliP7s]);
  const fields = (text) => {
    const out = [];
    let inSignerInfo = false;
    let inSignature = false;
    for (const line of text.split("\n")) {
      if (line === "    signerInfos:") inSignerInfo = true;
      if (inSignerInfo && /^\s+signature: $/.test(line)) { inSignature = true; out.push(line); continue; }
      if (inSignature && /^\s+[0-9a-f]{4} - /.test(line)) { out.push("<signature value>"); continue; }
      inSignature = false;
      out.push(line.replace(/(UTCTIME|GENERALIZEDTIME):.*/, "$1:<signing time>"));
    }
    return out;
  };
  const [web, cli] = [fields(attrs), fields(cliAttrs)];
  const firstDiff = web.findIndex((l, i) => l !== cli[i]);
  check(firstDiff === -1 && web.length === cli.length, `browser and CLI CMS agree field by field (${web.length} lines; first difference at ${firstDiff}: ${JSON.stringify(web[firstDiff])} vs ${JSON.stringify(cli[firstDiff])})`);
  const certCount = (t) => t.split("\n").filter((l) => l === "      d.certificate: ").length;
  check(certCount(attrs) === 2 && certCount(cliAttrs) === 2, `both carry the signer and the signature CA certificate (${certCount(attrs)}, ${certCount(cliAttrs)})`);
  // Detached, verified with the content given separately.
  await signFile(page, { pin: "ABC123", body: "detached\n", detached: true, name: "d.txt" });
  await page.waitForFunction(() => document.querySelector("#sign-download").download === "d.txt.p7s", null, { timeout: 60_000 });
  const d = join(work, "d.p7s");
  writeFileSync(d, await fetchBlob(page, "#sign-download"));
  writeFileSync(join(work, "d.txt"), "detached\n");
  execFileSync("openssl", ["cms", "-verify", "-binary", "-purpose", "any", "-inform", "DER", "-in", d, "-content", join(work, "d.txt"), "-CAfile", signRoots, "-out", "/dev/null"], { stdio: "pipe" });
});

const inkanBin = join(resolve(repo, process.env.CARGO_TARGET_DIR ?? "target"), "debug/inkan");

// `inkan verify xml --json` on a signed file, trusting the virtual card's PKI (its roots of
// every generation; CRLs not given: revocation is not checked).
function verifyXml(file) {
  let out;
  try {
    out = execFileSync(inkanBin, ["verify", "xml", "--in", file, "--trust-anchors", pki, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    out = e.stdout; // exit 10: not valid; the JSON says why
  }
  return JSON.parse(out.toString());
}

async function signXmlOnPage(page, { pin, ref, enveloped = false }) {
  await page.click("nav [data-view=xml]");
  if (ref !== undefined) await page.fill("#xml-ref", ref);
  if (enveloped) await page.check("#xml-enveloped");
  await page.fill("#xml-pin", pin);
  await page.click("#xml-button");
}

async function downloadXml(page, name) {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#xml-download")]);
  check(dl.suggestedFilename() === name, "download name: " + dl.suggestedFilename());
  const file = join(work, `${Date.now()}-${name}`);
  await dl.saveAs(file);
  return file;
}

await test("sign the sample e-Tax filing; inkan verify xml says valid", async (page) => {
  // The XML code is a module of its own, fetched on the first signXml only.
  const xmlFetches = [];
  page.on("request", (r) => {
    if (/inkan_web_xml(_bg\.wasm|\.js)$/.test(r.url())) xmlFetches.push(r.url());
  });
  await connectVirtual(page);
  await page.click("nav [data-view=xml]");
  check(xmlFetches.length === 0, "XML module not loaded before signing: " + xmlFetches.join());
  const sample = Buffer.from(await page.textContent("#xml-sample-text"));
  check(sample.includes('<RKO0010 VR="24.0.0" id="RKO0010">'), "sample filing shown");
  check((await page.inputValue("#xml-ref")) === "RKO0010", "default reference RKO0010");
  await shot(page, "12-xml-form");
  await signXmlOnPage(page, { pin: "ABC123" });
  await page.waitForSelector("#xml-result:not([hidden])", { timeout: 60_000 });
  check((await page.inputValue("#xml-pin")) === "", "PIN field cleared");
  check(xmlFetches.filter((u) => u.endsWith("_bg.wasm")).length === 1, "XML module loaded once: " + xmlFetches.join());
  await shot(page, "12-xml-signed");
  const file = await downloadXml(page, "sample.signed.xtx");
  const signed = readFileSync(file);
  // One dsig:Signature inserted before </DATA>; every other byte as it was.
  const at = sample.lastIndexOf("</DATA>");
  check(signed.subarray(0, at).equals(sample.subarray(0, at)), "bytes before the signature unchanged");
  check(signed.subarray(signed.length - (sample.length - at)).equals(sample.subarray(at)), "bytes after the signature unchanged");
  const inserted = signed.subarray(at, signed.length - (sample.length - at)).toString();
  check(inserted.startsWith("<dsig:Signature ") && inserted.endsWith("</dsig:Signature>"), "a dsig:Signature inserted");
  let r = verifyXml(file);
  check(r.valid === true && r.signatures.length === 1, "verify xml: " + JSON.stringify(r));
  check(r.signatures[0].references.map((x) => x.uri).join() === "#RKO0010", "references #RKO0010: " + JSON.stringify(r.signatures[0].references));
  check(r.signatures[0].valid === true, "signature valid");
  // Enveloped, over the whole document (the reference field is emptied by the checkbox).
  await page.check("#xml-enveloped");
  check((await page.inputValue("#xml-ref")) === "", "enveloped empties the reference");
  await page.fill("#xml-pin", "ABC123");
  await page.click("#xml-button");
  await page.waitForSelector("#xml-result:not([hidden])", { timeout: 60_000 });
  r = verifyXml(await downloadXml(page, "sample.signed.xtx"));
  check(r.valid === true && r.signatures.length === 1 && r.signatures[0].references[0].uri === "#DATA", "enveloped verifies: " + JSON.stringify(r));
  // The person's own file replaces the sample.
  await page.uncheck("#xml-enveloped");
  await page.setInputFiles("#xml-file", { name: "filing.xtx", mimeType: "application/xml", buffer: sample });
  check(await page.isHidden("#xml-sample-box"), "sample hidden when a file is chosen");
  await page.fill("#xml-pin", "ABC123");
  await page.click("#xml-button");
  await page.waitForSelector("#xml-result:not([hidden])", { timeout: 60_000 });
  r = verifyXml(await downloadXml(page, "filing.signed.xtx"));
  check(r.valid === true && r.signatures.length === 1, "own file verifies: " + JSON.stringify(r));
  check(xmlFetches.filter((u) => u.endsWith("_bg.wasm")).length === 1, "XML module still loaded once: " + xmlFetches.join());
});

await test("an unknown reference id is refused before the PIN is sent", async (page) => {
  await connectVirtual(page);
  await signXmlOnPage(page, { pin: "ABC123" });
  await page.waitForSelector("#xml-result:not([hidden])", { timeout: 60_000 });
  await signXmlOnPage(page, { pin: "ABC123", ref: "RKO9999" });
  const m = await message(page);
  check(/No element of the file has the reference id/.test(m), "xml-reference-missing message: " + m);
  check(await page.isHidden("#xml-result"), "the earlier download link is cleared");
  check((await page.getAttribute("#xml-download", "href")) === null, "no href left");
  check((await page.inputValue("#xml-pin")) === "ABC123", "PIN kept: nothing was sent");
  const tries = await page.evaluate(() => window.inkanDemo.card.device.virtualReader.retries("sign"));
  check(tries === 5, "no PIN try used: " + tries);
  await shot(page, "13-xml-reference-missing");
  await page.click("[data-lang=ja]");
  await page.click("#xml-button");
  await page.waitForFunction(() => /参照 ID を持つ要素がファイルにありません/.test(document.querySelector("#message").textContent), null, { timeout: 60_000 });
  check((await page.evaluate(() => window.inkanDemo.card.device.virtualReader.retries("sign"))) === 5, "still 5 tries");
  await shot(page, "13-xml-reference-missing-ja");
  // A wrong PIN does use a try and clears the field.
  await page.fill("#xml-ref", "RKO0010");
  await page.fill("#xml-pin", "WRONG1");
  await page.click("#xml-button");
  await page.waitForFunction(() => /残り 4 回/.test(document.querySelector("#message").textContent), null, { timeout: 60_000 });
  check((await page.inputValue("#xml-pin")) === "", "PIN cleared after a VERIFY");
});

await test("login with the user-authentication key", async (page) => {
  await connectVirtual(page);
  await page.click("nav [data-view=login]");
  await page.fill("#login-pin", "1234");
  await page.click("#login-button");
  await page.waitForSelector("#login-result:not([hidden])", { timeout: 60_000 });
  await shot(page, "03-login");
  const login = await page.evaluate(() => {
    const l = window.inkanDemo.lastLogin;
    return { challenge: Array.from(l.challenge), signature: Array.from(l.signature), certificate: Array.from(l.certificate) };
  });
  const cert = join(work, "auth.der");
  writeFileSync(cert, Buffer.from(login.certificate));
  writeFileSync(join(work, "challenge"), Buffer.from(login.challenge));
  writeFileSync(join(work, "sig"), Buffer.from(login.signature));
  writeFileSync(join(work, "auth.pub"), openssl(["x509", "-inform", "DER", "-in", cert, "-pubkey", "-noout"]));
  const v = openssl(["dgst", "-sha256", "-verify", join(work, "auth.pub"), "-signature", join(work, "sig"), join(work, "challenge")]);
  check(v.includes("Verified OK"), "login signature verifies: " + v);
  // The challenge came from the verification service, which accepted the login.
  const verdict = await page.evaluate(() => window.inkanDemo.lastLogin.service);
  check(verdict && verdict.status === 200 && verdict.json.valid === true, "service accepted the login: " + JSON.stringify(verdict));
  check(verdict.json.kind === "user-authentication", "login kind");
  check((await page.textContent("#login-result")).includes("login accepted"), "the page says the service accepted it");
});

await test("wrong PIN shows the tries left; the last try asks for confirmation", async (page) => {
  await connectVirtual(page);
  await page.click("nav [data-view=login]");
  await page.fill("#login-pin", "0000");
  await page.click("#login-button");
  let m = await message(page);
  check(/2 tries left/.test(m), "first wrong PIN: " + m);
  await shot(page, "04-wrong-pin");
  await page.fill("#login-pin", "0000");
  await page.click("#login-button");
  await page.waitForFunction(() => /1 tries left|1 try left/.test(document.querySelector("#message").textContent));
  await page.click("nav [data-view=overview]");
  await page.click("#refresh");
  await page.waitForFunction(() => /Only 1 try left/.test(document.querySelector("#pin-list").textContent));
  await shot(page, "04-one-try-left");
  await page.click("nav [data-view=login]");
  await page.fill("#login-pin", "1234");
  await page.click("#login-button");
  await page.waitForSelector("#last-try[open]");
  const text = await page.textContent("#last-try-text");
  check(/one try is left/i.test(text), "confirmation explains: " + text);
  await shot(page, "05-last-try-confirmation");
  // Cancel first: nothing is sent.
  await page.click("#last-try-cancel");
  m = await message(page);
  check(/Cancelled/.test(m), "cancel reported: " + m);
  const tries = await page.evaluate(() => window.inkanDemo.card.device.virtualReader.retries("auth"));
  check(tries === 1, "no VERIFY after cancel, tries " + tries);
  await page.fill("#login-pin", "1234");
  await page.click("#login-button");
  await page.waitForSelector("#last-try[open]");
  await page.fill("#last-try-pin", "1234");
  await page.click("#last-try-confirm");
  await page.waitForSelector("#login-result:not([hidden])", { timeout: 60_000 });
  const after = await page.evaluate(() => window.inkanDemo.card.device.virtualReader.retries("auth"));
  check(after === 3, "counter reset after the right PIN: " + after);
});

await test("a class 0x0B reader shows the blocked-by-browser guidance", async (page) => {
  await openVirtual(page, { reader: "acr1252" });
  await page.waitForSelector("#guidance:not([hidden])", { timeout: 60_000 });
  const g = await page.textContent("#guidance");
  check(g.includes("SCR3310-NTTCom") && g.includes("RC-S380") && g.includes("Isolated Web App"), "guidance names what works: " + g);
  check((await page.getAttribute("#guidance", "data-code")) === "reader-blocked-by-browser", "error code");
  await shot(page, "06-blocked-by-browser");
  await page.click("[data-lang=ja]");
  await shot(page, "06-blocked-by-browser-ja");
});

await test("a reader held by the OS gets its own code and the udev rules", async (page) => {
  await page.goto(base + "?virtual&timeScale=0.02");
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  await page.evaluate(() => (window.inkanDemo.fake.options.claimedByOs = true));
  await page.click("#connect-virtual");
  await page.waitForSelector("#guidance:not([hidden])", { timeout: 60_000 });
  check((await page.getAttribute("#guidance", "data-code")) === "reader-claimed-by-os", "error code");
  check((await page.textContent("#guidance")).includes("60-inkan.rules"), "names the udev rules");
  await shot(page, "06-claimed-by-os");
});

await test("the ACR1252 works where protected classes are allowed (IWA)", async (page) => {
  await connectVirtual(page, { reader: "acr1252", iwa: true });
  const info = await page.textContent("#reader-info");
  check(info.includes("extended-apdu") || info.includes("short-apdu"), "APDU-level reader: " + info);
});

await test("RC-S380 (Port-100) signs", async (page) => {
  await connectVirtual(page, { reader: "rc-s380" });
  check((await page.textContent("#reader-info")).includes("port100"), "port100 driver");
  await signFile(page, { pin: "ABC123" });
  await page.waitForSelector("#sign-result:not([hidden])", { timeout: 60_000 });
  await shot(page, "07-rc-s380-signed");
});

await test("unplugging mid-signature gives a clear error and the page recovers", async (page) => {
  await connectVirtual(page);
  await page.evaluate(() => {
    const d = window.inkanDemo;
    d.fake.armUnplug(d.card.device, "802A0080", 5);
  });
  await signFile(page, { pin: "ABC123" });
  await page.waitForSelector("#view-connect:not([hidden])", { timeout: 60_000 });
  const m = await message(page);
  check(/disconnected/i.test(m), "clear error: " + m);
  check(await page.isHidden("#sign-result"), "no signature offered");
  await shot(page, "08-unplugged");
  // Plug in again and sign.
  await page.click("#connect-virtual");
  await page.waitForSelector("#view-overview:not([hidden]) #pin-list li", { timeout: 60_000 });
  await signFile(page, { pin: "ABC123" });
  await page.waitForSelector("#sign-result:not([hidden])", { timeout: 60_000 });
});

await test("My Number, basic 4 info (masked until revealed) and the face photo", async (page) => {
  // The JPEG 2000 decoder is a module of its own, fetched when the photo is asked for.
  const photoFetches = [];
  page.on("request", (r) => {
    if (/inkan_web_photo_bg\.wasm$/.test(r.url())) photoFetches.push(r.url());
  });
  await connectVirtual(page);
  check(photoFetches.length === 0, "photo module not loaded on connect");
  await page.click("nav [data-view=identity]");
  await page.fill("#identity-pin", "1234");
  await page.click("#identity-button");
  await page.waitForSelector("#identity-result:not([hidden])", { timeout: 60_000 });
  const masked = await page.textContent("#id-mynumber");
  check(masked.includes("•") && masked.endsWith("9018"), "masked: " + masked);
  await shot(page, "09-identity-masked");
  await page.click("#reveal");
  check((await page.textContent("#id-mynumber")).replace(/ /g, "") === "123456789018", "revealed");
  check((await page.textContent("#id-name")).includes("試験"), "name");
  await page.waitForSelector("#photo-figure:not([hidden])");
  const w = await page.evaluate(() => document.querySelector("#photo").naturalWidth);
  check(w > 0, "photo decoded and shown");
  check(photoFetches.length === 1, "photo module loaded once: " + photoFetches.join());
  await shot(page, "09-identity-revealed");
});

await test("change the user-authentication PIN", async (page) => {
  await connectVirtual(page);
  await page.click("nav [data-view=pin]");
  await page.check("#pin-which-auth");
  await page.fill("#pin-current", "1234");
  await page.fill("#pin-new", "5678");
  await page.fill("#pin-new2", "5678");
  await page.click("#pin-button");
  const m = await message(page);
  check(/changed/.test(m), "changed: " + m);
  await shot(page, "10-pin-changed");
  await page.click("nav [data-view=login]");
  await page.fill("#login-pin", "5678");
  await page.click("#login-button");
  await page.waitForSelector("#login-result:not([hidden])", { timeout: 60_000 });
});

await test("expiry warning and a card without a signature certificate", async (page) => {
  await connectVirtual(page, { card: "expiring" });
  const certs = await page.textContent("#cert-list");
  check(/days left\. Renew/.test(certs), "expiry warning: " + certs);
  await shot(page, "11-expiring");
  await page.click("#disconnect");
  await page.selectOption("#v-card", "no-sign");
  await page.click("#connect-virtual");
  await page.waitForSelector("#view-overview:not([hidden]) #pin-list li", { timeout: 60_000 });
  check((await page.textContent("#pin-list")).includes("no signature certificate"), "no signature PIN explained");
  await signFile(page, { pin: "ABC123" });
  const m = await message(page);
  check(/no signature certificate/.test(m), "sign refused: " + m);
});

await browser.close();
server.close();
rmSync(work, { recursive: true, force: true });
console.log(`\n${results.length - failures} passed, ${failures} failed; screenshots in ${shots}`);
process.exit(failures ? 1 : 0);
