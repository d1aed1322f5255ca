// A stand-in for `navigator.usb` whose devices are inkan's virtual readers (crates/sim
// compiled to wasm by crates/sim-web) holding a software My Number Card. Used by the
// demo's "virtual card" mode and by the browser tests. It behaves like Chrome's WebUSB
// where inkan depends on it: transferIn waits (without a timeout) until the reader has
// something to say, the protected class 0x0B makes claimInterface throw SecurityError,
// unplugging rejects pending transfers and fires a `disconnect` event.

const PROTECTED_CLASS = 0x0b;

function domError(name, message) {
  return new DOMException(message, name);
}

function view(bytes) {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toU8(data) {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** Parses a configuration descriptor into WebUSB-like configuration objects. */
function parseConfiguration(desc) {
  const config = { configurationValue: desc[5] ?? 1, configurationName: null, interfaces: [] };
  let current = null;
  for (let i = 0; i + 1 < desc.length && desc[i] >= 2; i += desc[i]) {
    const type = desc[i + 1];
    if (type === 4) {
      current = {
        alternateSetting: desc[i + 3],
        interfaceClass: desc[i + 5],
        interfaceSubclass: desc[i + 6],
        interfaceProtocol: desc[i + 7],
        interfaceName: null,
        endpoints: [],
      };
      const number = desc[i + 2];
      let iface = config.interfaces.find((x) => x.interfaceNumber === number);
      if (!iface) {
        iface = { interfaceNumber: number, alternate: current, alternates: [], claimed: false };
        config.interfaces.push(iface);
      }
      iface.alternates.push(current);
    } else if (type === 5 && current) {
      const addr = desc[i + 2];
      const kind = ["control", "isochronous", "bulk", "interrupt"][desc[i + 3] & 3];
      current.endpoints.push({
        endpointNumber: addr & 0x0f,
        direction: addr & 0x80 ? "in" : "out",
        type: kind,
        packetSize: desc[i + 4] | (desc[i + 5] << 8),
      });
    }
  }
  return config;
}

const PRODUCT_NAMES = {
  "scr3310-nttcom": ["NTT Communications", "SCR3310-NTTCom USB SmartCard Reader"],
  "scr331-di-nttcom": ["NTT Communications", "SCR331-DI-NTTCom USB SmartCard Reader"],
  acr39u: ["ACS", "ACR39U ICC Reader"],
  acr1252: ["ACS", "ACR1252 Dual Reader"],
  "rc-s300": ["Sony", "RC-S300/S"],
  "rc-s380": ["SONY", "RC-S380/S"],
};

/** One virtual reader as a USBDevice. */
export class FakeUsbDevice {
  #usb;
  #reader;
  #claimed = new Set();
  #pendingIn = null;
  #pendingInt = null;
  #gone = false;
  #queue = Promise.resolve();

  constructor(usb, reader) {
    this.#usb = usb;
    this.#reader = reader;
    const [maker, product] = PRODUCT_NAMES[reader.model] ?? ["inkan", reader.model];
    this.vendorId = reader.vendorId;
    this.productId = reader.productId;
    this.manufacturerName = maker;
    this.productName = product;
    this.serialNumber = "VIRTUAL-" + reader.model.toUpperCase();
    this.deviceClass = 0;
    this.deviceSubclass = 0;
    this.deviceProtocol = 0;
    this.usbVersionMajor = 2;
    this.usbVersionMinor = 0;
    this.usbVersionSubminor = 0;
    this.deviceVersionMajor = 1;
    this.deviceVersionMinor = 0;
    this.deviceVersionSubminor = 0;
    this.opened = false;
    this.configuration = null;
    const desc = reader.configDescriptor();
    this.configurations = [parseConfiguration(desc)];
    this.model = reader.model;
  }

  /** The wasm virtual reader (for tests: retries(), verifiesAtCard()). */
  get virtualReader() {
    return this.#reader;
  }

  get gone() {
    return this.#gone;
  }

  #check() {
    if (this.#gone) throw domError("NotFoundError", "The device was disconnected.");
  }

  #checkOpen() {
    this.#check();
    if (!this.opened) throw domError("InvalidStateError", "The device must be opened first.");
  }

  async open() {
    this.#check();
    this.opened = true;
  }

  async close() {
    this.#check();
    this.opened = false;
    this.#claimed.clear();
    this.#abortPending(domError("AbortError", "The transfer was cancelled."));
  }

  async forget() {
    this.#usb._forget(this);
  }

  async selectConfiguration(value) {
    this.#checkOpen();
    const c = this.configurations.find((x) => x.configurationValue === value);
    if (!c) throw domError("NotFoundError", "The configuration value provided is not supported by the device.");
    this.configuration = c;
  }

  #interface(n) {
    const c = this.configuration;
    if (!c) throw domError("InvalidStateError", "The device must have a configuration selected.");
    const i = c.interfaces.find((x) => x.interfaceNumber === n);
    if (!i) throw domError("NotFoundError", "The interface number provided is not supported by the device in its current configuration.");
    return i;
  }

  async claimInterface(n) {
    this.#checkOpen();
    const i = this.#interface(n);
    const opts = this.#usb.options;
    if (i.alternate.interfaceClass === PROTECTED_CLASS && !opts.allowProtectedClasses) {
      throw domError("SecurityError", "The requested interface implements a protected class.");
    }
    if (opts.claimedByOs) {
      throw domError("NetworkError", "Unable to claim interface.");
    }
    this.#claimed.add(n);
    i.claimed = true;
  }

  async releaseInterface(n) {
    this.#checkOpen();
    this.#interface(n).claimed = false;
    this.#claimed.delete(n);
  }

  async selectAlternateInterface(n, alt) {
    this.#checkOpen();
    const i = this.#interface(n);
    const a = i.alternates.find((x) => x.alternateSetting === alt);
    if (!a) throw domError("NotFoundError", "The alternate setting provided is not supported by the device.");
    i.alternate = a;
  }

  async reset() {
    this.#checkOpen();
    this.#abortPending(domError("AbortError", "The transfer was cancelled."));
  }

  async clearHalt(direction, endpoint) {
    this.#checkOpen();
  }

  #endpoint(n, direction) {
    for (const i of this.configuration?.interfaces ?? []) {
      const ep = i.alternate.endpoints.find((e) => e.endpointNumber === n && e.direction === direction);
      if (ep) {
        if (!this.#claimed.has(i.interfaceNumber)) {
          throw domError("InvalidStateError", "The specified endpoint is not part of a claimed and selected alternate interface.");
        }
        return ep;
      }
    }
    throw domError("NotFoundError", "The specified endpoint number is out of range.");
  }

  #fail(e) {
    if (e && e.message === "disconnected") {
      this.#usb.unplug(this);
      return domError("NotFoundError", "The device was disconnected.");
    }
    if (e && e.message === "stall") return null;
    return domError("NetworkError", "A transfer error has occurred.");
  }

  #delay() {
    const ms = (this.#reader.lastDelayMicros / 1000) * this.#usb.options.timeScale;
    return Math.min(ms, this.#usb.options.maxDelayMs);
  }

  async controlTransferIn(setup, length) {
    this.#checkOpen();
    const rt = { standard: 0, class: 1, vendor: 2 }[setup.requestType] << 5;
    const rc = { device: 0, interface: 1, endpoint: 2, other: 3 }[setup.recipient];
    try {
      const data = this.#reader.controlTransferIn(0x80 | rt | rc, setup.request, setup.value, setup.index, length);
      return { status: "ok", data: view(new Uint8Array(data)) };
    } catch (e) {
      const err = this.#fail(e);
      if (err) throw err;
      return { status: "stall", data: undefined };
    }
  }

  async transferOut(endpoint, data) {
    this.#checkOpen();
    this.#endpoint(endpoint, "out");
    const bytes = toU8(data);
    const arm = this.#usb._armed(this, bytes);
    try {
      this.#reader.transferOut(bytes);
    } catch (e) {
      const err = this.#fail(e);
      if (err) throw err;
      return { status: "stall", bytesWritten: 0 };
    }
    if (arm) {
      // Unplug while the reader works on this command: the reply never comes.
      setTimeout(() => this.#usb.unplug(this), arm.afterMs);
    }
    this.#pump();
    return { status: "ok", bytesWritten: bytes.byteLength };
  }

  transferIn(endpoint, length) {
    return new Promise((resolve, reject) => {
      try {
        this.#checkOpen();
        const ep = this.#endpoint(endpoint, "in");
        const pending = { resolve, reject, length };
        if (ep.type === "interrupt") {
          if (this.#pendingInt) throw domError("InvalidStateError", "A transfer is already pending.");
          this.#pendingInt = pending;
        } else {
          if (this.#pendingIn) throw domError("InvalidStateError", "A transfer is already pending.");
          this.#pendingIn = pending;
        }
        this.#pump();
      } catch (e) {
        reject(e);
      }
    });
  }

  /** Satisfies pending reads from the reader's queues, paced by the simulated time. */
  #pump() {
    if (this.#gone) return;
    const p = this.#pendingIn;
    if (p && !p.scheduled) {
      let bytes;
      try {
        bytes = this.#reader.transferIn(p.length);
      } catch (e) {
        this.#pendingIn = null;
        const err = this.#fail(e);
        if (err) p.reject(err);
        else p.resolve({ status: "stall", data: undefined });
        return;
      }
      if (bytes !== undefined) {
        p.scheduled = true;
        const delay = this.#delay();
        const done = () => {
          if (this.#pendingIn !== p) return;
          this.#pendingIn = null;
          p.resolve({ status: "ok", data: view(new Uint8Array(bytes)) });
        };
        if (delay > 0) setTimeout(done, delay);
        else queueMicrotask(done);
      }
    }
    const q = this.#pendingInt;
    if (q) {
      let note;
      try {
        note = this.#reader.interruptIn();
      } catch (e) {
        note = undefined;
      }
      if (note !== undefined) {
        this.#pendingInt = null;
        q.resolve({ status: "ok", data: view(new Uint8Array(note)) });
      }
    }
  }

  #abortPending(err) {
    for (const p of [this.#pendingIn, this.#pendingInt]) if (p) p.reject(err);
    this.#pendingIn = null;
    this.#pendingInt = null;
  }

  _unplugged() {
    this.#gone = true;
    this.opened = false;
    try {
      this.#reader.unplug();
    } catch (e) {
      // already gone
    }
    this.#abortPending(domError("NotFoundError", "The device was disconnected."));
  }

  /** Takes the card out of the reader (NotifySlotChange follows). */
  removeCard() {
    this.#reader.removeCard();
    this.#pump();
  }

  /** Puts the card back. */
  insertCard() {
    this.#reader.insertCard();
    this.#pump();
  }
}

/** Loads the files `inkan sim init` writes into a card directory. */
export async function fetchCardFiles(baseUrl) {
  const base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
  const get = async (name, kind, optional = false) => {
    const r = await fetch(base + name);
    if (!r.ok) {
      if (optional) return undefined;
      throw new Error(`virtual card: ${base + name}: HTTP ${r.status}`);
    }
    return kind === "text" ? r.text() : new Uint8Array(await r.arrayBuffer());
  };
  return {
    state: await get("state.json", "text"),
    signKey: await get("sign-key.pem", "text"),
    authKey: await get("auth-key.pem", "text"),
    signCert: await get("sign-cert.der", "bytes", true),
    signCa: await get("sign-ca.der", "bytes"),
    authCert: await get("auth-cert.der", "bytes"),
    authCa: await get("auth-ca.der", "bytes"),
  };
}

function matches(device, filters) {
  if (!filters || filters.length === 0) return true;
  return filters.some((f) => {
    if (f.vendorId !== undefined && f.vendorId !== device.vendorId) return false;
    if (f.productId !== undefined && f.productId !== device.productId) return false;
    if (f.classCode !== undefined) {
      const classes = device.configurations.flatMap((c) => c.interfaces.map((i) => i.alternate.interfaceClass));
      if (!classes.includes(f.classCode)) return false;
    }
    return true;
  });
}

/**
 * The fake `navigator.usb`. Options: `timeScale` (real ms per simulated ms, default 1),
 * `maxDelayMs` (cap of one reply's delay), `allowProtectedClasses` (like an Isolated Web
 * App with usb-unrestricted), `claimedByOs` (claimInterface fails with NetworkError).
 */
export class FakeUsb extends EventTarget {
  #devices = [];
  #sim;
  #arms = [];
  onconnect = null;
  ondisconnect = null;

  constructor(sim, options = {}) {
    super();
    this.#sim = sim;
    this.options = { timeScale: 1, maxDelayMs: 2000, allowProtectedClasses: false, claimedByOs: false, ...options };
    /** Picks the device `requestDevice` returns; defaults to the last one plugged in. */
    this.chooser = (devices) => devices[devices.length - 1];
  }

  /**
   * Loads the simulator module (`sim/inkan_sim_web.js` of the demo site) and returns a
   * FakeUsb over it.
   */
  static async create({ simModule = new URL("./sim/inkan_sim_web.js", import.meta.url).href, ...options } = {}) {
    const sim = await import(simModule);
    await sim.default();
    return new FakeUsb(sim, options);
  }

  /** Makes this the page's `navigator.usb`. */
  install() {
    Object.defineProperty(navigator, "usb", { value: this, configurable: true });
    return this;
  }

  /** The reader models the simulator has. */
  get models() {
    return Array.from(this.#sim.readerModels());
  }

  /** Plugs in a virtual reader of `model` holding the card made from `cardFiles`. */
  plugIn(model, cardFiles) {
    const card = this.#sim.VirtualCard.fromFiles(cardFiles);
    const reader = new this.#sim.VirtualUsbReader(model, card);
    const device = new FakeUsbDevice(this, reader);
    this.#devices.push(device);
    const ev = new Event("connect");
    ev.device = device;
    this.dispatchEvent(ev);
    this.onconnect?.(ev);
    return device;
  }

  /** Unplugs a device: pending transfers fail, a `disconnect` event fires. */
  unplug(device) {
    if (device.gone) return;
    this.#devices = this.#devices.filter((d) => d !== device);
    device._unplugged();
    const ev = new Event("disconnect");
    ev.device = device;
    this.dispatchEvent(ev);
    this.ondisconnect?.(ev);
  }

  /**
   * Unplugs `device` `afterMs` after the next transferOut whose bytes contain `hexPattern`
   * (e.g. "802A" for COMPUTE DIGITAL SIGNATURE).
   */
  armUnplug(device, hexPattern, afterMs = 50) {
    this.#arms.push({ device, pattern: hexPattern.toUpperCase(), afterMs });
  }

  _armed(device, bytes) {
    const h = hex(bytes);
    const i = this.#arms.findIndex((a) => a.device === device && h.includes(a.pattern));
    if (i < 0) return null;
    return this.#arms.splice(i, 1)[0];
  }

  _forget(device) {
    this.#devices = this.#devices.filter((d) => d !== device);
  }

  async getDevices() {
    return [...this.#devices];
  }

  async requestDevice(options = {}) {
    if (!options || !Array.isArray(options.filters)) {
      throw new TypeError("Failed to execute 'requestDevice' on 'USB': required member filters is undefined.");
    }
    const candidates = this.#devices.filter((d) => matches(d, options.filters));
    const chosen = candidates.length ? this.chooser(candidates) : undefined;
    if (!chosen) throw domError("NotFoundError", "No device selected.");
    return chosen;
  }
}
