// inkan: sign with the My Number Card from a web page over WebUSB.
//
// The package's entry point: a thin layer over the wasm-bindgen exports of `inkan-web`
// (inkan_web.js) that adds the InkanError class, progress events and input conversion.
// Works from a plain <script type="module"> and from bundlers.

import initWasm, * as raw from "./inkan_web.js";

let ready;

/**
 * Loads the WebAssembly module (once). Called by every function that needs it; call it
 * yourself to start the download early or to pass the module's URL or bytes.
 */
export function init(moduleOrPath) {
  ready ??= initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
  return ready;
}

// Modules of their own, loaded on first use so that the signer's bundle stays small.
const extras = {};

function loadExtra(name, importer, moduleOrPath) {
  extras[name] ??= importer().then(async (m) => {
    await m.default(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
    return m;
  });
  extras[name].catch(() => {
    delete extras[name];
  });
  return extras[name];
}

/**
 * Loads the XML module (inkan_web_xml.js and its wasm; once). `signXml` calls it on first
 * use, so pages that never sign XML never download it; call it yourself to start the
 * download early or to pass the module's URL or bytes.
 */
export function initXml(moduleOrPath) {
  return loadExtra("xml", () => import("./inkan_web_xml.js"), moduleOrPath);
}

/**
 * Loads the face-photo module (the JPEG 2000 decoder, inkan_web_photo.js and its wasm;
 * once). `facePhoto` and `decodeJpeg2000` call it on first use.
 */
export function initPhoto(moduleOrPath) {
  return loadExtra("photo", () => import("./inkan_web_photo.js"), moduleOrPath);
}

/** An error with a stable `code` (see the README's table) and a plain message. */
export class InkanError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = "InkanError";
    this.code = code;
    if (details.pin !== undefined) this.pin = details.pin;
    if (details.retriesLeft !== undefined) this.retriesLeft = details.retriesLeft;
  }
}

function toInkanError(e) {
  if (e instanceof InkanError) return e;
  if (e && e.name === "InkanError" && typeof e.code === "string") {
    return new InkanError(e.code, e.message, { pin: e.pin, retriesLeft: e.retriesLeft });
  }
  return new InkanError("internal", String((e && e.message) || e));
}

async function call(f) {
  try {
    return await f();
  } catch (e) {
    throw toInkanError(e);
  }
}

async function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof Blob !== "undefined" && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  if (typeof data === "string") return new TextEncoder().encode(data);
  throw new InkanError("invalid-argument", "expected bytes: a Uint8Array, ArrayBuffer, Blob or string");
}

function pinArg(pin, what) {
  if (typeof pin !== "string" || pin.length === 0) {
    throw new InkanError("invalid-argument", `the ${what} is missing`);
  }
  return pin;
}

function usbOrThrow(usb) {
  const u = usb ?? (typeof navigator !== "undefined" ? navigator.usb : undefined);
  if (!u) {
    throw new InkanError(
      "webusb-unavailable",
      "This browser has no WebUSB (Firefox and Safari do not support it) or the page is not " +
        "served over https: use Chrome or Edge on a secure page.",
    );
  }
  return u;
}

/** The `filters` for `navigator.usb.requestDevice`: every reader inkan knows. */
export async function readerFilters() {
  await init();
  return raw.readerFilters();
}

/** The readers inkan knows, with whether a normal web page may use them. */
export async function supportedReaders() {
  await init();
  return raw.supportedReaders();
}

/** Shows the browser's device chooser (needs a user gesture) and returns the USBDevice. */
export async function requestReader({ usb } = {}) {
  const u = usbOrThrow(usb);
  await init();
  try {
    return await u.requestDevice({ filters: raw.readerFilters() });
  } catch (e) {
    if (e && e.name === "NotFoundError") {
      throw new InkanError("no-reader-selected", "No reader was selected.");
    }
    if (e && e.name === "SecurityError") {
      throw new InkanError(
        "webusb-unavailable",
        "The browser refused to show the device chooser: it needs a click or key press and a secure (https) page.",
      );
    }
    throw toInkanError(e);
  }
}

/** Readers this site was already given access to. */
export async function knownReaders({ usb } = {}) {
  const u = usbOrThrow(usb);
  await init();
  const known = raw.supportedReaders();
  const devices = await u.getDevices();
  return devices.filter((d) => known.some((r) => r.vendorId === d.vendorId && r.productId === d.productId));
}

/**
 * Opens a reader and connects to the My Number Card in it. Without `device`, shows the
 * chooser first. Options: `usb` (defaults to navigator.usb), `signal`, `onProgress`.
 */
export async function connect({ device, usb, signal, onProgress } = {}) {
  const u = usbOrThrow(usb);
  await init();
  const dev = device ?? (await requestReader({ usb: u }));
  const userAgent = typeof navigator !== "undefined" ? navigator.userAgent : "";
  const handle = await call(() => raw.openCard(u, dev, { userAgent, signal, onProgress }));
  return new Card(handle, dev, u);
}

function withDates(cert) {
  if (cert && typeof cert.notAfter === "number") {
    cert.notBefore = new Date(cert.notBefore);
    cert.notAfter = new Date(cert.notAfter);
  }
  return cert;
}

class Photo {
  constructor(p) {
    this.width = p.width;
    this.height = p.height;
    this.rgba = p.rgba;
    this.png = p.png;
  }
  /** The photo as an `ImageData`, for a canvas. */
  toImageData() {
    return new ImageData(this.rgba, this.width, this.height);
  }
  /** The photo as a PNG `Blob` (use with URL.createObjectURL for an <img>). */
  toBlob() {
    return new Blob([this.png], { type: "image/png" });
  }
}

/**
 * A connected My Number Card. Runs one operation at a time. Emits `progress`
 * (CustomEvent, `detail: { step, … }`) and `disconnect` events.
 */
export class Card extends EventTarget {
  #h;
  #device;
  #usb;
  #onDisconnect;

  constructor(handle, device, usb) {
    super();
    this.#h = handle;
    this.#device = device;
    this.#usb = usb;
    this.#onDisconnect = (e) => {
      if (e.device === this.#device) {
        this.#usb.removeEventListener?.("disconnect", this.#onDisconnect);
        this.dispatchEvent(new Event("disconnect"));
      }
    };
    usb.addEventListener?.("disconnect", this.#onDisconnect);
  }

  /** `{ name, vendorId, productId, driver, interfaceClass, level, atr }`. */
  get reader() {
    return this.#h.reader;
  }

  /** The USBDevice. */
  get device() {
    return this.#device;
  }

  /** False once disconnected or unplugged. */
  get connected() {
    return this.#h.connected;
  }

  #opts(o = {}) {
    const onProgress = (detail) => {
      try {
        o.onProgress?.(detail);
      } finally {
        this.dispatchEvent(new CustomEvent("progress", { detail }));
      }
    };
    return { signal: o.signal, onProgress };
  }

  /** Token kind, certificates (with expiry) and each PIN's remaining tries. */
  async status(o = {}) {
    const s = await call(() => this.#h.status(Date.now(), this.#opts(o)));
    s.certificates.forEach(withDates);
    return s;
  }

  /** All certificates (DER); the signature certificate too when `pin` (signature PIN) is given. */
  async readCertificates(o = {}) {
    const certs = await call(() =>
      this.#h.certificates(o.pin ?? undefined, !!o.allowLastTry, Date.now(), this.#opts(o)),
    );
    return certs.map(withDates);
  }

  /** Signs `data`: returns a CMS SignedData (CAdES-BES, DER; save it as `.p7s`). */
  async signDocument(data, o = {}) {
    const bytes = await toBytes(data);
    const pin = pinArg(o.pin, "signature PIN");
    const at = o.signingTime instanceof Date ? o.signingTime.getTime() : Date.now();
    return call(() => this.#h.signDocument(bytes, pin, !!o.detached, !!o.allowLastTry, at, this.#opts(o)));
  }

  /**
   * Signs an XML document with the signature key: an e-Tax filing (`.xtx`, references to
   * the procedure element's id), a deduction certificate (`enveloped`) or an e-Gov
   * `kousei.xml` (element ids plus the attached files by name). Returns the document with
   * one `dsig:Signature` added before the document element's end tag; no other byte changes.
   * The document and the references are checked before the PIN is sent: an `xml-*` error
   * costs no try.
   */
  async signXml(xml, o = {}) {
    const bytes = await toBytes(xml);
    const references = o.references ?? [];
    if (!Array.isArray(references) || !references.every((r) => typeof r === "string")) {
      throw new InkanError("invalid-argument", "references must be an array of element ids (strings)");
    }
    if (o.attachments !== undefined && !Array.isArray(o.attachments)) {
      throw new InkanError("invalid-argument", "attachments must be an array of { name, data }");
    }
    const attachments = [];
    for (const a of o.attachments ?? []) {
      if (!a || typeof a.name !== "string" || a.name === "" || a.data == null) {
        throw new InkanError("invalid-argument", "each attachment is { name: string, data: Uint8Array }");
      }
      attachments.push({ name: a.name, data: await toBytes(a.data) });
    }
    if (o.signatureId != null && typeof o.signatureId !== "string") {
      throw new InkanError("invalid-argument", "signatureId must be a string");
    }
    const pin = pinArg(o.pin, "signature PIN");
    const spec = { references, attachments, enveloped: !!o.enveloped, signatureId: o.signatureId ?? undefined };
    return call(async () => {
      const xml = await initXml();
      const template = new xml.XmlTemplate(bytes, spec);
      try {
        return await this.#h.signXml(template, pin, !!o.allowLastTry, this.#opts(o));
      } finally {
        template.free();
      }
    });
  }

  /** Signs a login challenge with the user-authentication key (SHA-256, PKCS#1 v1.5). */
  async authenticate(challenge, o = {}) {
    const bytes = await toBytes(challenge);
    const pin = pinArg(o.pin, "user-authentication PIN");
    return call(() => this.#h.authenticate(bytes, pin, !!o.allowLastTry, this.#opts(o)));
  }

  /** The 12-digit My Number (needs the 4-digit card info PIN). */
  async myNumber(o = {}) {
    const pin = pinArg(o.pin, "card info PIN");
    return call(() => this.#h.myNumber(pin, !!o.allowLastTry, this.#opts(o)));
  }

  /** Name, address, birth date (YYYYMMDD) and sex (needs the card info PIN). */
  async basicInfo(o = {}) {
    const pin = pinArg(o.pin, "card info PIN");
    return call(() => this.#h.basicInfo(pin, !!o.allowLastTry, this.#opts(o)));
  }

  /** The face photo, decoded (needs the card info PIN). */
  async facePhoto(o = {}) {
    const pin = pinArg(o.pin, "card info PIN");
    return call(async () => {
      const photo = await initPhoto();
      return new Photo(await this.#h.facePhoto(pin, !!o.allowLastTry, this.#opts(o), photo.decodeJpeg2000));
    });
  }

  /** Changes the `"sign"` or `"auth"` PIN. */
  async changePin(which, o = {}) {
    const current = pinArg(o.current, "current PIN");
    const next = pinArg(o.next, "new PIN");
    return call(() => this.#h.changePin(which, current, next, !!o.allowLastTry, this.#opts(o)));
  }

  /** Powers the card off and releases the reader. */
  async disconnect() {
    this.#usb.removeEventListener?.("disconnect", this.#onDisconnect);
    await call(() => this.#h.close());
  }
}

/** Decodes a JPEG 2000 image to `{ width, height, rgba, png }`. */
export async function decodeJpeg2000(bytes) {
  const b = await toBytes(bytes);
  return call(async () => new Photo((await initPhoto()).decodeJpeg2000(b)));
}
