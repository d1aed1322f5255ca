// The inkan demo page. Uses the `inkan` package exactly as a web developer would; in
// virtual mode (`?virtual`) navigator.usb is replaced by fake-usb.js, whose devices are
// the virtual readers of crates/sim compiled to wasm.

import * as inkan from "./pkg/inkan.js";

const TEXT = {
  en: {
    tagline: "Sign with your My Number Card. Nothing to install.",
    "connect.title": "Connect your card",
    "connect.real": "Put the card in a reader (or on a PaSoRi RC-S380), plug the reader in, then choose it.",
    "connect.button": "Choose a reader…",
    "connect.tryVirtual": "No card at hand? Try a virtual card.",
    "connect.virtualIntro": "A software My Number Card behind a virtual USB reader, running in this page.",
    "connect.reader": "Reader",
    "connect.card": "Card",
    "connect.iwa": "Act as an Isolated Web App (smart-card class readers allowed)",
    "connect.pins": "PINs of the virtual cards: signature ABC123, user authentication 1234, card info 1234.",
    "connect.virtualButton": "Insert card and plug in reader",
    "connect.useReal": "Use a real reader instead",
    "card.default": "Hanako Shiken (valid)",
    "card.expiring": "Chikako Kigen (certificates expire soon)",
    "card.noSign": "Taro Miseinen (no signature certificate)",
    "tab.overview": "Card",
    "tab.sign": "Sign a file",
    "tab.xml": "Sign an XML filing",
    "tab.login": "Log in",
    "tab.identity": "My Number & info",
    "tab.pin": "Change PIN",
    "tab.disconnect": "Disconnect",
    "overview.title": "Your card",
    "overview.certs": "Certificates",
    "overview.pins": "PINs",
    "overview.refresh": "Refresh",
    "overview.unplug": "Unplug the virtual reader",
    "sign.title": "Sign a file",
    "sign.drop": "Drop a file here, or choose one.",
    "sign.file": "File to sign",
    "sign.pin": "Signature PIN (6–16 letters and digits)",
    "sign.detached": "Detached signature (the .p7s does not contain the file)",
    "sign.button": "Sign",
    "sign.download": "Download the signature (.p7s)",
    "sign.noFile": "Choose a file to sign first.",
    "sign.done": "Signed. The .p7s is ready to download.",
    "xml.title": "Sign an XML filing",
    "xml.intro": "e-Tax filings (.xtx) and e-Gov applications carry their signature inside the XML: the card signs the procedure element and a dsig:Signature is added after it. No other byte of the file changes.",
    "xml.file": "XML file (.xtx, .xml); without one, the built-in sample filing is signed",
    "xml.sample": "The sample filing (sample.xtx, {size} B)",
    "xml.useSample": "Use the sample filing",
    "xml.showSample": "Show the sample filing",
    "xml.ref": "Reference ids (the procedure element; several separated by spaces)",
    "xml.enveloped": "Enveloped signature over the whole document (deduction certificates; leave the reference ids empty)",
    "xml.button": "Sign the filing",
    "xml.download": "Download the signed filing",
    "xml.noRef": "Give the id of the element to sign (e.g. RKO0010), or choose an enveloped signature.",
    "xml.done": "Signed. {name} is ready to download.",
    "login.title": "Log in with your card",
    "login.intro": "A website sends a random challenge; the card signs it with the user-authentication key. The certificate holds no personal data.",
    "login.challenge": "Challenge (from the website)",
    "login.pin": "User-authentication PIN (4 digits)",
    "login.button": "Log in",
    "login.done": "Logged in: the card signed the challenge.",
    "login.subject": "Certificate",
    "login.signature": "Signature",
    "service.login": "Verification service",
    "service.loginOk": "login accepted ({kind} certificate, revocation {revocation}); subject id {id}…",
    "service.refused": "refused: {message} [{code}]",
    "service.sign": "Checked by the verification service: ",
    "service.signOk": "valid: signed by {who} ({kind} certificate, revocation {revocation})",
    "service.unreachable": "the verification service did not answer",
    "identity.title": "My Number and personal information",
    "identity.pin": "Card info PIN (4 digits)",
    "identity.withPhoto": "Also read the face photo",
    "identity.button": "Read",
    "identity.mynumber": "My Number",
    "identity.name": "Name",
    "identity.address": "Address",
    "identity.birth": "Birth date",
    "identity.sex": "Sex",
    "identity.reveal": "Show",
    "identity.hide": "Hide",
    "identity.forget": "Forget",
    "identity.photo": "Face photo from the card",
    "pin.title": "Change a PIN",
    "pin.which": "Which PIN",
    "pin.sign": "Signature PIN",
    "pin.auth": "User-authentication PIN",
    "pin.current": "Current PIN",
    "pin.new": "New PIN",
    "pin.new2": "New PIN again",
    "pin.button": "Change PIN",
    "pin.mismatch": "The two new PINs differ.",
    "pin.done": "The PIN was changed.",
    "lastTry.title": "Only one try left",
    "lastTry.pin": "Enter the PIN again to use the last try",
    "lastTry.confirm": "Use the last try",
    "lastTry.text": "Only one try is left for the {pin}. If this PIN is wrong, it is blocked and only a municipal office can reset it.",
    "common.cancel": "Cancel",
    footer: "inkan runs in your browser over WebUSB (Chrome, Edge). Your PINs go only to the card.",
    connected: "Connected: {reader}",
    disconnected: "Disconnected.",
    "token.my-number-card": "My Number Card",
    "token.older-card": "Resident card (older)",
    "token.phone": "Smartphone JPKI",
    "token.unknown": "Unknown token",
    "cert.sign": "Signature certificate (署名用電子証明書)",
    "cert.sign-ca": "Signature CA",
    "cert.auth": "User-authentication certificate (利用者証明用電子証明書)",
    "cert.auth-ca": "User-authentication CA",
    "cert.needsPin": "Read with the signature PIN when you sign.",
    "cert.absent": "Not on this card.",
    "cert.valid": "Valid until {date} ({days} days left).",
    "cert.expires-soon": "Expires on {date}: only {days} days left. Renew it at your municipal office.",
    "cert.expired": "Expired on {date}. Renew it at your municipal office.",
    "cert.not-yet-valid": "Not valid before {date}.",
    "pinName.sign": "Signature PIN (6–16 letters and digits)",
    "pinName.auth": "User-authentication PIN (4 digits)",
    "pinName.text": "Card info PIN (4 digits)",
    "pinState.ok": "{n} of {max} tries left.",
    "pinState.last": "Only 1 try left: a wrong PIN blocks it.",
    "pinState.blocked": "Blocked. Reset it at your municipal office.",
    "pinState.unknown": "Tries left not reported (the PIN was verified in this session).",
    "pinState.absent": "Not on this card (no signature certificate).",
    "step.open-reader": "Opening the reader…",
    "step.select-application": "Looking for the My Number Card…",
    "step.read-status": "Reading the card…",
    "step.read-certificate": "Reading a certificate…",
    "step.verify-pin": "Checking the PIN…",
    "step.prepare": "Hashing the file…",
    "step.card-signs": "The card is signing…",
    "step.finish": "Building the signature file…",
    "step.read-data": "Reading data…",
    "step.decode-photo": "Decoding the photo…",
    "step.change-pin": "Changing the PIN…",
    "step.read": "Reading {what}: {done}/{total} bytes",
    "err.pin-wrong": "Wrong PIN. {n} tries left before it is blocked.",
    "err.pin-blocked": "This PIN is blocked. Only a municipal office can reset it.",
    "err.pin-format": "That PIN does not have the right format; nothing was sent to the card.",
    "err.reader-removed": "The reader was disconnected. Plug it in again and reconnect.",
    "err.no-reader-selected": "No reader was chosen.",
    "err.webusb-unavailable": "This browser cannot use USB readers: use Chrome or Edge on a computer or Android phone.",
    "err.card-absent": "No card in the reader. Insert the card and try again.",
    "err.not-my-number-card": "This card is not a My Number Card.",
    "err.no-signature-certificate": "This card has no signature certificate (cards of children under 15 have none).",
    "err.aborted": "Cancelled.",
    "err.xml-malformed": "This file cannot be signed as asked: it is not well-formed XML (UTF-8), or its document element is empty or already covered by a signature. Nothing was sent to the card.",
    "err.xml-dtd-refused": "This XML file has a DOCTYPE declaration; files with a DTD are refused. Nothing was sent to the card.",
    "err.xml-too-large": "This XML file is over a size limit (64 MiB, nesting depth 256, attributes or elements). Nothing was sent to the card.",
    "err.xml-duplicate-id": "Two elements of this XML file have the same id (or the signature id is taken). Nothing was sent to the card.",
    "err.xml-reference-missing": "No element of the file has the reference id given. Check the id (e.g. RKO0010). Nothing was sent to the card.",
    "err.xml-wrapping": "That element cannot be signed: a reference must be a child of the document element (for the whole document, choose an enveloped signature). Nothing was sent to the card.",
    "err.xml-bad-signature": "The card's signature does not match its signature certificate; no signed file was made.",
    "err.short.reader-blocked-by-browser": "The browser does not let web pages use this reader.",
    "err.short.reader-claimed-by-os": "The operating system is using this reader.",
  },
  ja: {
    tagline: "マイナンバーカードで電子署名。インストール不要。",
    "connect.title": "カードを接続",
    "connect.real": "カードをリーダーに挿す（PaSoRi RC-S380 なら上に置く）、リーダーを接続してから選んでください。",
    "connect.button": "リーダーを選ぶ…",
    "connect.tryVirtual": "カードがない場合は仮想カードで試せます。",
    "connect.virtualIntro": "このページの中で動くソフトウェアのマイナンバーカードと仮想USBリーダーです。",
    "connect.reader": "リーダー",
    "connect.card": "カード",
    "connect.iwa": "分離ウェブアプリとして動作（スマートカードクラスのリーダーを許可）",
    "connect.pins": "仮想カードの暗証番号：署名用 ABC123、利用者証明用 1234、券面事項入力補助用 1234",
    "connect.virtualButton": "カードを挿してリーダーを接続",
    "connect.useReal": "実物のリーダーを使う",
    "card.default": "試験 花子（有効）",
    "card.expiring": "期限 近子（証明書の期限が近い）",
    "card.noSign": "未成年 太郎（署名用電子証明書なし）",
    "tab.overview": "カード",
    "tab.sign": "ファイルに署名",
    "tab.xml": "XML申告データに署名",
    "tab.login": "ログイン",
    "tab.identity": "マイナンバーと基本4情報",
    "tab.pin": "暗証番号の変更",
    "tab.disconnect": "切断",
    "overview.title": "カードの状態",
    "overview.certs": "電子証明書",
    "overview.pins": "暗証番号",
    "overview.refresh": "更新",
    "overview.unplug": "仮想リーダーを抜く",
    "sign.title": "ファイルに署名",
    "sign.drop": "ここにファイルをドロップするか、選んでください。",
    "sign.file": "署名するファイル",
    "sign.pin": "署名用電子証明書の暗証番号（英数字6〜16文字）",
    "sign.detached": "分離署名（.p7s にファイルを含めない）",
    "sign.button": "署名する",
    "sign.download": "署名ファイル（.p7s）をダウンロード",
    "sign.noFile": "先に署名するファイルを選んでください。",
    "sign.done": "署名しました。.p7s をダウンロードできます。",
    "xml.title": "XML申告・申請データに署名",
    "xml.intro": "e-Tax の申告データ（.xtx）や e-Gov の申請データは XML の中に署名を持ちます。カードが手続の要素に署名し、その後ろに dsig:Signature を追加します。ファイルのほかのバイトは変わりません。",
    "xml.file": "XML ファイル（.xtx、.xml）。選ばない場合は組み込みのサンプル申告データに署名します",
    "xml.sample": "サンプル申告データ（sample.xtx、{size} バイト）",
    "xml.useSample": "サンプル申告データを使う",
    "xml.showSample": "サンプル申告データを表示",
    "xml.ref": "参照する ID（手続の要素。複数はスペースで区切る）",
    "xml.enveloped": "文書全体へのエンベロープ署名（控除証明書など。参照する ID は空にする）",
    "xml.button": "申告データに署名する",
    "xml.download": "署名済みファイルをダウンロード",
    "xml.noRef": "署名する要素の ID（例：RKO0010）を入力するか、エンベロープ署名を選んでください。",
    "xml.done": "署名しました。{name} をダウンロードできます。",
    "login.title": "カードでログイン",
    "login.intro": "ウェブサイトが送るランダムなチャレンジに、カードが利用者証明用の鍵で署名します。証明書に個人情報は含まれません。",
    "login.challenge": "チャレンジ（ウェブサイトから）",
    "login.pin": "利用者証明用電子証明書の暗証番号（数字4桁）",
    "login.button": "ログイン",
    "login.done": "ログインしました：カードがチャレンジに署名しました。",
    "login.subject": "証明書",
    "login.signature": "署名",
    "service.login": "検証サービス",
    "service.loginOk": "ログインを受け付けました（{kind} 証明書、失効確認 {revocation}）。利用者 ID {id}…",
    "service.refused": "拒否されました：{message} [{code}]",
    "service.sign": "検証サービスの確認：",
    "service.signOk": "有効です。署名者 {who}（{kind} 証明書、失効確認 {revocation}）",
    "service.unreachable": "検証サービスが応答しませんでした",
    "identity.title": "マイナンバーと基本4情報",
    "identity.pin": "券面事項入力補助用の暗証番号（数字4桁）",
    "identity.withPhoto": "顔写真も読み取る",
    "identity.button": "読み取る",
    "identity.mynumber": "マイナンバー",
    "identity.name": "氏名",
    "identity.address": "住所",
    "identity.birth": "生年月日",
    "identity.sex": "性別",
    "identity.reveal": "表示する",
    "identity.hide": "隠す",
    "identity.forget": "消去",
    "identity.photo": "カードの顔写真",
    "pin.title": "暗証番号の変更",
    "pin.which": "変更する暗証番号",
    "pin.sign": "署名用電子証明書の暗証番号",
    "pin.auth": "利用者証明用電子証明書の暗証番号",
    "pin.current": "現在の暗証番号",
    "pin.new": "新しい暗証番号",
    "pin.new2": "新しい暗証番号（確認）",
    "pin.button": "変更する",
    "pin.mismatch": "新しい暗証番号が一致しません。",
    "pin.done": "暗証番号を変更しました。",
    "lastTry.title": "残り1回です",
    "lastTry.pin": "最後の1回を使うには暗証番号をもう一度入力してください",
    "lastTry.confirm": "最後の1回を使う",
    "lastTry.text": "{pin}の残り回数は1回です。間違えるとロックされ、市区町村の窓口でしか解除できません。",
    "common.cancel": "キャンセル",
    footer: "inkan はブラウザ内で WebUSB により動作します（Chrome、Edge）。暗証番号はカードにだけ送られます。",
    connected: "接続しました：{reader}",
    disconnected: "切断しました。",
    "token.my-number-card": "マイナンバーカード",
    "token.older-card": "住民基本台帳カード",
    "token.phone": "スマートフォン用電子証明書",
    "token.unknown": "不明なトークン",
    "cert.sign": "署名用電子証明書",
    "cert.sign-ca": "署名用認証局",
    "cert.auth": "利用者証明用電子証明書",
    "cert.auth-ca": "利用者証明用認証局",
    "cert.needsPin": "署名の際に暗証番号で読み取ります。",
    "cert.absent": "このカードにはありません。",
    "cert.valid": "{date} まで有効（残り {days} 日）。",
    "cert.expires-soon": "{date} に期限切れ：残り {days} 日です。市区町村の窓口で更新してください。",
    "cert.expired": "{date} に期限切れです。市区町村の窓口で更新してください。",
    "cert.not-yet-valid": "{date} より前は無効です。",
    "pinName.sign": "署名用電子証明書の暗証番号（英数字6〜16文字）",
    "pinName.auth": "利用者証明用電子証明書の暗証番号（数字4桁）",
    "pinName.text": "券面事項入力補助用の暗証番号（数字4桁）",
    "pinState.ok": "残り {n} 回（最大 {max} 回）。",
    "pinState.last": "残り1回：間違えるとロックされます。",
    "pinState.blocked": "ロック中。市区町村の窓口で解除してください。",
    "pinState.unknown": "残り回数は表示されません（この接続で照合済み）。",
    "pinState.absent": "このカードにはありません（署名用電子証明書なし）。",
    "step.open-reader": "リーダーを開いています…",
    "step.select-application": "マイナンバーカードを探しています…",
    "step.read-status": "カードを読み取っています…",
    "step.read-certificate": "証明書を読み取っています…",
    "step.verify-pin": "暗証番号を照合しています…",
    "step.prepare": "ファイルのハッシュを計算しています…",
    "step.card-signs": "カードが署名しています…",
    "step.finish": "署名ファイルを作っています…",
    "step.read-data": "データを読み取っています…",
    "step.decode-photo": "写真を変換しています…",
    "step.change-pin": "暗証番号を変更しています…",
    "step.read": "{what} を読み取り中：{done}/{total} バイト",
    "err.pin-wrong": "暗証番号が違います。ロックまで残り {n} 回です。",
    "err.pin-blocked": "この暗証番号はロックされています。市区町村の窓口でしか解除できません。",
    "err.pin-format": "暗証番号の形式が正しくありません（カードには送っていません）。",
    "err.reader-removed": "リーダーが外れました。接続し直してください。",
    "err.no-reader-selected": "リーダーが選ばれませんでした。",
    "err.webusb-unavailable": "このブラウザは USB リーダーを使えません。パソコンか Android の Chrome または Edge を使ってください。",
    "err.card-absent": "カードが入っていません。カードを挿して、もう一度お試しください。",
    "err.not-my-number-card": "マイナンバーカードではありません。",
    "err.no-signature-certificate": "このカードには署名用電子証明書がありません（15歳未満のカードなど）。",
    "err.aborted": "キャンセルしました。",
    "err.xml-malformed": "このファイルには指定どおりに署名できません。整形式の XML（UTF-8）でないか、文書要素が空か、既に文書全体への署名があります。カードには何も送っていません。",
    "err.xml-dtd-refused": "この XML ファイルには DOCTYPE 宣言があります。DTD を含むファイルは受け付けません。カードには何も送っていません。",
    "err.xml-too-large": "この XML ファイルは上限（64 MiB、入れ子の深さ 256、属性数・要素数）を超えています。カードには何も送っていません。",
    "err.xml-duplicate-id": "この XML ファイルには同じ ID を持つ要素が二つあります（または署名の ID が使用済みです）。カードには何も送っていません。",
    "err.xml-reference-missing": "指定した参照 ID を持つ要素がファイルにありません。ID（例：RKO0010）を確かめてください。カードには何も送っていません。",
    "err.xml-wrapping": "その要素には署名できません。参照先は文書要素の直下の要素です（文書全体にはエンベロープ署名を選んでください）。カードには何も送っていません。",
    "err.xml-bad-signature": "カードの署名が署名用電子証明書と一致しません。署名済みファイルは作っていません。",
    "err.short.reader-blocked-by-browser": "ブラウザはこのリーダーをウェブページから使わせません。",
    "err.short.reader-claimed-by-os": "OS がこのリーダーを使用中です。",
    "err.reader-blocked-by-browser": "ブラウザはこのリーダー（スマートカードクラスの USB 機器）をウェブページから使わせません。代わりに使えるもの：ウェブページから使えるリーダー（NTTコミュニケーションズ SCR3310-NTTCom / SCR331-DI-NTTCom、ソニー PaSoRi RC-S380）、usb-unrestricted 権限付きの分離ウェブアプリ（Chrome 128 以降）や Web Smart Card API、Electron アプリ、または PC/SC を使う inkan コマンドラインツール。",
    "err.reader-claimed-by-os": "OS がこのリーダーを使用中のため、ブラウザが使えません。Linux：inkan の udev ルール（packaging/udev/60-inkan.rules）を入れるか pcscd を止めてから、リーダーを挿し直してください。Windows：Zadig などで WinUSB ドライバを入れてください。",
  },
};

let lang = localStorage.getItem("inkan-lang") === "ja" ? "ja" : "en";
function t(key, vars = {}) {
  const s = TEXT[lang][key] ?? TEXT.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

const $ = (id) => document.getElementById(id);
const virtual = new URLSearchParams(location.search).has("virtual");
let fake = null;
let card = null;
let identity = null;
let revealed = false;
let signUrl = null;
let xmlUrl = null;
let busyController = null;

function applyLang() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  if (card) renderIdentity();
  renderXmlFile();
  renderGuidance();
}

function say(text, ok = false) {
  const m = $("message");
  m.textContent = text;
  m.classList.toggle("ok", ok);
  m.hidden = !text;
}

function progress(p) {
  $("progress").textContent = p.step === "done" ? "" : t("step." + p.step, p);
}

function errorText(e) {
  if (!e || !e.code) return String(e?.message ?? e);
  if (e.code === "pin-wrong") return t("err.pin-wrong", { n: e.retriesLeft });
  const key = "err." + e.code;
  if (TEXT[lang][key]) return TEXT[lang][key];
  if (TEXT.en[key] && lang === "en") return TEXT.en[key];
  return e.message;
}

let guidanceError = null;
function renderGuidance() {
  const g = $("guidance");
  const e = guidanceError;
  g.hidden = !e;
  if (!e) return;
  // The English text comes from inkan (it names the reader and the OS); Japanese from here.
  g.textContent = lang === "ja" ? TEXT.ja["err." + e.code] : e.message;
  g.dataset.code = e.code;
}

function showError(e) {
  $("progress").textContent = "";
  if (e && (e.code === "reader-blocked-by-browser" || e.code === "reader-claimed-by-os")) {
    guidanceError = e;
    say(t("err.short." + e.code));
    renderGuidance();
    return;
  }
  say(errorText(e));
  if (e && (e.code === "reader-removed" || e.code === "not-connected")) dropCard();
}

function setBusy(on) {
  for (const b of document.querySelectorAll("main button, nav button, #xml-form input")) {
    if (b.id === "sign-cancel" || b.id === "xml-cancel" || b.id === "unplug") continue;
    b.disabled = on;
  }
  $("sign-cancel").hidden = !on;
  $("xml-cancel").hidden = !on;
}

/**
 * Runs a card operation with the PIN from `input`, clearing the field at once. When only
 * one try is left, asks for confirmation (and the PIN again) before using it. When the
 * first attempt is refused by an error `keepPin(e)` says sent nothing to the card, the PIN
 * goes back into the field.
 */
async function withPin(input, op, keepPin = () => false) {
  let pin = input.value;
  input.value = "";
  busyController = new AbortController();
  setBusy(true);
  say("");
  try {
    try {
      return await op(pin, false, busyController.signal);
    } catch (e) {
      if (keepPin(e) && input.value === "") input.value = pin;
      if (e.code !== "pin-last-try-needs-confirmation") throw e;
      pin = "";
      const again = await confirmLastTry(e.pin);
      if (again === null) throw Object.assign(new Error(t("err.aborted")), { code: "aborted" });
      return await op(again, true, busyController.signal);
    }
  } finally {
    pin = "";
    setBusy(false);
    busyController = null;
  }
}

function confirmLastTry(pinName) {
  const d = $("last-try");
  $("last-try-text").textContent = t("lastTry.text", { pin: t("pinName." + pinName) });
  $("last-try-pin").value = "";
  return new Promise((resolve) => {
    d.addEventListener(
      "close",
      () => {
        const v = $("last-try-pin").value;
        $("last-try-pin").value = "";
        resolve(d.returnValue === "confirm" && v ? v : null);
      },
      { once: true },
    );
    d.showModal();
    $("last-try-pin").focus();
  });
}

function show(view) {
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== "view-" + view;
  for (const b of document.querySelectorAll("nav [data-view]")) {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  $("tabs").hidden = view === "connect";
  if (view === "login") newChallenge();
}

// The verification service (`inkan serve`), when the site names one in service.json
// (`just demo` runs it beside the page): logins use its challenges and are checked
// there; signed documents are checked there too.
let service = null;
let loginChallengeId = null;
const serviceReady = fetch("service.json", { cache: "no-store" })
  .then((r) => (r.ok ? r.json() : null))
  .then((j) => {
    service = j && typeof j.url === "string" ? j.url.replace(/\/$/, "") : null;
  })
  .catch(() => {});

async function callService(path, body) {
  const r = await fetch(service + path, {
    method: "POST",
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: await r.json() };
}

function b64(bytes) {
  let s = "";
  for (const x of bytes) s += String.fromCharCode(x);
  return btoa(s);
}

async function newChallenge() {
  loginChallengeId = null;
  $("login-challenge").value = randomChallenge();
  await serviceReady;
  if (!service) return;
  try {
    const { status, json } = await callService("/v1/challenges");
    if (status !== 200) return;
    const raw = atob(json.challenge);
    $("login-challenge").value = Array.from(raw, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
    loginChallengeId = json.id;
  } catch {
    // no service: the page's own random challenge stays
  }
}

function serviceRefusal(json) {
  const e = json?.error ?? {};
  return t("service.refused", { message: e.message ?? "", code: e.code ?? "" });
}

function randomChallenge() {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function fmtDate(d) {
  return d.toLocaleDateString(lang === "ja" ? "ja-JP" : "en-GB", { year: "numeric", month: "long", day: "numeric" });
}

async function refresh() {
  const st = await card.status({ onProgress: progress });
  const r = card.reader;
  const info = $("reader-info");
  info.replaceChildren();
  const add = (k, v) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    info.append(dt, dd);
  };
  add(lang === "ja" ? "種類" : "Token", t("token." + st.token.kind));
  add(lang === "ja" ? "リーダー" : "Reader", `${r.name} (${r.driver}, ${r.level})`);
  const certs = $("cert-list");
  certs.replaceChildren();
  for (const c of st.certificates) {
    const li = document.createElement("li");
    const h = document.createElement("strong");
    h.textContent = t("cert." + c.slot);
    const p = document.createElement("div");
    if (c.present) {
      p.textContent = t("cert." + c.validity, { date: fmtDate(c.notAfter), days: c.daysLeft });
      if (c.validity === "expires-soon") li.className = "warn";
      if (c.validity === "expired" || c.validity === "not-yet-valid") li.className = "bad";
      const s = document.createElement("div");
      s.className = "small";
      s.textContent = c.subject;
      li.append(h, p, s);
    } else {
      p.textContent = c.needsPin ? t("cert.needsPin") : t("cert.absent");
      li.append(h, p);
    }
    li.dataset.slot = c.slot;
    certs.append(li);
  }
  const pins = $("pin-list");
  pins.replaceChildren();
  for (const p of st.pins) {
    const li = document.createElement("li");
    li.dataset.pin = p.pin;
    const h = document.createElement("strong");
    h.textContent = t("pinName." + p.pin);
    const d = document.createElement("div");
    if (!p.present) d.textContent = t("pinState.absent");
    else if (p.blocked) {
      d.textContent = t("pinState.blocked");
      li.className = "bad";
    } else if (p.remaining === 1) {
      d.textContent = t("pinState.last");
      li.className = "warn";
    } else if (p.remaining === null) d.textContent = t("pinState.unknown");
    else d.textContent = t("pinState.ok", { n: p.remaining, max: p.max });
    li.append(h, d);
    pins.append(li);
  }
}

/** The counters after an operation, with the controls still disabled (one at a time). */
async function refreshAfter() {
  setBusy(true);
  $("sign-cancel").hidden = $("xml-cancel").hidden = true;
  try {
    await refresh();
  } catch {
    // the operation's own outcome is what is shown
  } finally {
    setBusy(false);
  }
}

function dropCard() {
  card = null;
  $("pin-list").replaceChildren();
  $("cert-list").replaceChildren();
  identity = null;
  renderIdentity();
  $("identity-result").hidden = true;
  $("sign-result").hidden = true;
  clearXmlResult();
  $("login-result").hidden = true;
  show("connect");
}

async function connected(c) {
  card = c;
  card.addEventListener("disconnect", () => {
    if (card === c) {
      say(t("err.reader-removed"));
      dropCard();
    }
  });
  guidanceError = null;
  renderGuidance();
  $("unplug").hidden = !virtual;
  say(t("connected", { reader: c.reader.name }), true);
  show("overview");
  await refresh();
}

async function connectWith(device) {
  setBusy(true);
  say("");
  guidanceError = null;
  renderGuidance();
  try {
    const c = await inkan.connect({ device, onProgress: progress });
    await connected(c);
  } catch (e) {
    showError(e);
  } finally {
    setBusy(false);
  }
}

// --- identity (masked until revealed) ---
function mask(s, keep = 0) {
  if (!s) return "";
  return "•".repeat(Math.max(0, s.length - keep)) + s.slice(s.length - keep);
}

function renderIdentity() {
  const set = (id, v, keep) => ($(id).textContent = revealed ? v : mask(v, keep));
  if (!identity) {
    for (const id of ["id-mynumber", "id-name", "id-address", "id-birth", "id-sex"]) $(id).textContent = "";
    if ($("photo").src) URL.revokeObjectURL($("photo").src);
    $("photo").removeAttribute("src");
    $("photo-figure").hidden = true;
    return;
  }
  set("id-mynumber", identity.myNumber.replace(/(\d{4})(?=\d)/g, "$1 "), 4);
  set("id-name", identity.info.name, 0);
  set("id-address", identity.info.address, 0);
  const b = identity.info.birthDate;
  set("id-birth", `${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6, 8)}`, 0);
  const sex = { 1: ["male", "男"], 2: ["female", "女"], 9: ["not applicable", "適用不能"], 0: ["unknown", "不明"] }[identity.info.sex];
  set("id-sex", sex ? sex[lang === "ja" ? 1 : 0] : identity.info.sex, 0);
  $("photo-figure").hidden = !identity.photoUrl || !revealed;
  $("reveal").textContent = t(revealed ? "identity.hide" : "identity.reveal");
  $("reveal").setAttribute("aria-pressed", String(revealed));
}

// --- wiring ---
for (const b of document.querySelectorAll("[data-lang]")) {
  b.addEventListener("click", () => {
    lang = b.dataset.lang;
    localStorage.setItem("inkan-lang", lang);
    applyLang();
  });
}
for (const b of document.querySelectorAll("nav [data-view]")) b.addEventListener("click", () => show(b.dataset.view));

$("connect-real").addEventListener("click", async () => {
  try {
    const device = await inkan.requestReader();
    await connectWith(device);
  } catch (e) {
    showError(e);
  }
});

$("virtual-mode").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const { fetchCardFiles } = await import("./fake-usb.js");
  fake.options.allowProtectedClasses = $("v-iwa").checked;
  for (const d of await fake.getDevices()) fake.unplug(d);
  const files = await fetchCardFiles(new URL(`cards/${$("v-card").value}/`, location.href).href);
  fake.plugIn($("v-reader").value, files);
  try {
    const device = await inkan.requestReader();
    await connectWith(device);
  } catch (e) {
    showError(e);
  }
});

$("disconnect").addEventListener("click", async () => {
  const c = card;
  dropCard();
  if (c) await c.disconnect().catch(() => {});
  say(t("disconnected"), true);
});

$("refresh").addEventListener("click", async () => {
  setBusy(true);
  try {
    await refresh();
  } catch (e) {
    showError(e);
  } finally {
    setBusy(false);
  }
});

$("unplug").addEventListener("click", async () => {
  if (fake && card) fake.unplug(card.device);
});

// Sign: drop zone and file input.
let signFile = null;
function pickFile(f) {
  signFile = f ?? null;
  $("sign-file-name").textContent = f ? `${f.name} (${f.size} B)` : "";
}
$("sign-file").addEventListener("change", () => pickFile($("sign-file").files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  pickFile(e.dataTransfer.files[0]);
});
drop.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    $("sign-file").click();
  }
});
$("sign-cancel").addEventListener("click", () => busyController?.abort());

$("sign-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!signFile) {
    say(t("sign.noFile"));
    return;
  }
  const file = signFile;
  const detached = $("sign-detached").checked;
  try {
    const p7s = await withPin($("sign-pin"), (pin, allowLastTry, signal) =>
      card.signDocument(file, { pin, detached, allowLastTry, signal, onProgress: progress }),
    );
    if (signUrl) URL.revokeObjectURL(signUrl);
    signUrl = URL.createObjectURL(new Blob([p7s], { type: "application/pkcs7-signature" }));
    const a = $("sign-download");
    a.href = signUrl;
    a.download = file.name + ".p7s";
    $("sign-result").hidden = false;
    $("sign-service").textContent = "";
    say(t("sign.done"), true);
    await refreshAfter();
    await serviceReady;
    if (service) {
      let text;
      try {
        const content = detached ? b64(new Uint8Array(await file.arrayBuffer())) : undefined;
        const { json } = await callService("/v1/documents/verify", { format: "cms", signature: b64(p7s), content });
        window.inkanDemo.lastSignCheck = json;
        text = json.valid
          ? t("service.signOk", { who: json.identity?.name ?? json.signer?.subject ?? "", kind: json.kind, revocation: json.revocation?.status })
          : serviceRefusal(json);
      } catch {
        text = t("service.unreachable");
      }
      $("sign-service").textContent = t("service.sign") + text;
    }
  } catch (e) {
    showError(e);
    if (card) await refreshAfter();
  }
});

// Sign XML: an e-Tax-shaped sample filing unless the person picks a file.
const SAMPLE_XTX = `<?xml version="1.0" encoding="UTF-8"?>
<DATA xmlns="http://xml.e-tax.nta.go.jp/XSD/shotoku" xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" id="DATA">
  <RKO0010 VR="24.0.0" id="RKO0010">
    <gen:NENBUN>令和6年分</gen:NENBUN>
    <gen:NOZEISHA_NM>試験 花子</gen:NOZEISHA_NM>
    <gen:NOZEISHA_ADR>東京都千代田区霞が関3-1-1</gen:NOZEISHA_ADR>
    <SHUNYU_KYUYO>4800000</SHUNYU_KYUYO>
    <SHOTOKU_KYUYO>3340000</SHOTOKU_KYUYO>
    <SHOTOKU_GOKEI>3340000</SHOTOKU_GOKEI>
  </RKO0010>
</DATA>
`;
let xmlFile = null; // null: the sample
function renderXmlFile() {
  $("xml-file-name").textContent = xmlFile
    ? `${xmlFile.name} (${xmlFile.size} B)`
    : t("xml.sample", { size: new TextEncoder().encode(SAMPLE_XTX).length });
  $("xml-use-sample").hidden = !xmlFile;
  $("xml-sample-box").hidden = !!xmlFile;
}
$("xml-sample-text").textContent = SAMPLE_XTX;
$("xml-file").addEventListener("change", () => {
  xmlFile = $("xml-file").files[0] ?? null;
  renderXmlFile();
});
$("xml-use-sample").addEventListener("click", () => {
  xmlFile = null;
  $("xml-file").value = "";
  renderXmlFile();
});
$("xml-enveloped").addEventListener("change", () => {
  const ref = $("xml-ref");
  if ($("xml-enveloped").checked && ref.value.trim() === "RKO0010") ref.value = "";
  else if (!$("xml-enveloped").checked && ref.value.trim() === "") ref.value = "RKO0010";
});
$("xml-cancel").addEventListener("click", () => busyController?.abort());

function clearXmlResult() {
  if (xmlUrl) URL.revokeObjectURL(xmlUrl);
  xmlUrl = null;
  $("xml-download").removeAttribute("href");
  $("xml-download").removeAttribute("download");
  $("xml-result").hidden = true;
}

function signedName(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}.signed${name.slice(dot)}` : `${name}.signed.xml`;
}

// Refusals of the document or its references come before the PIN is sent.
const sentNothing = (e) => typeof e?.code === "string" && e.code.startsWith("xml-") && e.code !== "xml-bad-signature";

$("xml-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const references = $("xml-ref").value.split(/[\s,]+/).filter(Boolean);
  const enveloped = $("xml-enveloped").checked;
  clearXmlResult(); // no link from an earlier attempt stays while this one runs or fails
  if (!references.length && !enveloped) {
    say(t("xml.noRef"));
    return;
  }
  const file = xmlFile;
  const name = signedName(file ? file.name : "sample.xtx");
  try {
    const xml = file ? new Uint8Array(await file.arrayBuffer()) : SAMPLE_XTX;
    const signed = await withPin(
      $("xml-pin"),
      (pin, allowLastTry, signal) =>
        card.signXml(xml, { references, enveloped, pin, allowLastTry, signal, onProgress: progress }),
      sentNothing,
    );
    xmlUrl = URL.createObjectURL(new Blob([signed], { type: "application/xml" }));
    const a = $("xml-download");
    a.href = xmlUrl;
    a.download = name;
    $("xml-result").hidden = false;
    say(t("xml.done", { name }), true);
    await refreshAfter();
  } catch (e) {
    clearXmlResult();
    showError(e);
    if (card) await refreshAfter();
  }
});

function hex(bytes) {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const challenge = $("login-challenge").value;
  const bytes = new Uint8Array(challenge.match(/../g).map((h) => parseInt(h, 16)));
  try {
    const r = await withPin($("login-pin"), (pin, allowLastTry, signal) =>
      card.authenticate(bytes, { pin, allowLastTry, signal, onProgress: progress }),
    );
    const st = await card.readCertificates({ onProgress: progress });
    const auth = st.find((c) => c.slot === "auth");
    const rows = [
      [t("login.subject"), auth?.subject ?? ""],
      [t("login.signature"), hex(r.signature.slice(0, 16)) + "… (" + r.signature.length + " B)"],
    ];
    let verdict = null;
    if (service && loginChallengeId) {
      try {
        const { status, json } = await callService("/v1/login", {
          challenge_id: loginChallengeId,
          signature: b64(r.signature),
          certificate: b64(r.certificate),
        });
        verdict = { status, json };
        rows.push([
          t("service.login"),
          status === 200
            ? t("service.loginOk", { kind: json.kind, revocation: json.revocation?.status, id: String(json.subject_id).slice(0, 16) })
            : serviceRefusal(json),
        ]);
      } catch {
        rows.push([t("service.login"), t("service.unreachable")]);
      }
      newChallenge();
    }
    const dl = $("login-result");
    dl.replaceChildren();
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    dl.hidden = false;
    window.inkanDemo.lastLogin = { challenge: bytes, ...r, service: verdict };
    say(t("login.done"), true);
  } catch (e) {
    showError(e);
  }
});

$("identity-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const withPhoto = $("identity-photo").checked;
  try {
    const got = await withPin($("identity-pin"), async (pin, allowLastTry, signal) => {
      const o = { pin, allowLastTry, signal, onProgress: progress };
      const myNumber = await card.myNumber(o);
      const info = await card.basicInfo(o);
      const photo = withPhoto ? await card.facePhoto(o) : null;
      return { myNumber, info, photo };
    });
    if (identity?.photoUrl) URL.revokeObjectURL(identity.photoUrl);
    identity = { myNumber: got.myNumber, info: got.info, photoUrl: got.photo ? URL.createObjectURL(got.photo.toBlob()) : null };
    if (identity.photoUrl) {
      $("photo").src = identity.photoUrl;
      $("photo").alt = t("identity.photo");
    }
    revealed = false;
    renderIdentity();
    $("identity-result").hidden = false;
    say("");
  } catch (e) {
    showError(e);
  }
});
$("reveal").addEventListener("click", () => {
  revealed = !revealed;
  renderIdentity();
});
$("forget").addEventListener("click", () => {
  if (identity?.photoUrl) URL.revokeObjectURL(identity.photoUrl);
  identity = null;
  revealed = false;
  renderIdentity();
  $("identity-result").hidden = true;
});

$("pin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const which = document.querySelector("input[name=which]:checked").value;
  const next = $("pin-new").value;
  const next2 = $("pin-new2").value;
  $("pin-new").value = "";
  $("pin-new2").value = "";
  if (next !== next2) {
    $("pin-current").value = "";
    say(t("pin.mismatch"));
    return;
  }
  try {
    await withPin($("pin-current"), (current, allowLastTry, signal) =>
      card.changePin(which, { current, next, allowLastTry, signal, onProgress: progress }),
    );
    say(t("pin.done"), true);
  } catch (e) {
    showError(e);
  }
});

window.inkanDemo = {
  get card() {
    return card;
  },
  get fake() {
    return fake;
  },
  ready: false,
};

async function start() {
  applyLang();
  show("connect");
  if (virtual) {
    const { FakeUsb } = await import("./fake-usb.js");
    const scale = Number(new URLSearchParams(location.search).get("timeScale") ?? "0.25");
    fake = (await FakeUsb.create({ simModule: new URL("./sim/inkan_sim_web.js", location.href).href, timeScale: scale })).install();
    $("real-mode").hidden = true;
    $("virtual-mode").hidden = false;
  } else if (!navigator.usb) {
    say(t("err.webusb-unavailable"));
  }
  await inkan.init();
  window.inkanDemo.ready = true;
  document.body.dataset.ready = "true";
}

start().catch(showError);
