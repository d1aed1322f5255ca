// Types of the `inkan` package (crates/web/js/inkan.js).

/** Stable error codes. Card codes come from inkan-card; the rest from inkan-web. */
export type InkanErrorCode =
  | "webusb-unavailable"
  | "no-reader-selected"
  | "reader-unsupported"
  | "reader-driver-missing"
  | "reader-blocked-by-browser"
  | "reader-claimed-by-os"
  | "reader-open-failed"
  | "reader-not-found"
  | "reader-removed"
  | "reader-timeout"
  | "reader-busy"
  | "reader-error"
  | "card-absent"
  | "card-removed"
  | "card-reset"
  | "card-protocol"
  | "card-error"
  | "card-data-malformed"
  | "not-my-number-card"
  | "no-signature-certificate"
  | "no-auth-certificate"
  | "pin-wrong"
  | "pin-blocked"
  | "pin-last-try-needs-confirmation"
  | "pin-format"
  | "pin-required"
  | "not-connected"
  | "busy"
  | "aborted"
  | "invalid-argument"
  | "photo-decode"
  | "certificate-parse"
  | "cms-certificate"
  | "cms-signing-time"
  | "cms-bad-signature"
  | "cms-encoding"
  /** signXml: not well-formed XML, not UTF-8, or a document that cannot take the signature
   * as asked (empty document element, an existing signature over it, nothing to sign). */
  | "xml-malformed"
  /** signXml: the document has a DOCTYPE; documents with a DTD are refused unread. */
  | "xml-dtd-refused"
  /** signXml: over a limit (64 MiB, depth 256, 256 attributes, 4 Mi nodes, 1,024 references). */
  | "xml-too-large"
  /** signXml: one id value on two elements, or `signatureId` already taken. */
  | "xml-duplicate-id"
  /** signXml: a reference names an id no element has. */
  | "xml-reference-missing"
  /** signXml: a reference points where the e-Tax/e-Gov profile does not allow (not a child
   * of the document element; the document element itself without `enveloped`). */
  | "xml-wrapping"
  /** signXml: the card's signature does not verify with the signature certificate. */
  | "xml-bad-signature"
  | "internal";

/** Which PIN an error or counter is about. */
export type PinName = "sign" | "auth" | "text" | "surface-a";

export declare class InkanError extends Error {
  readonly name: "InkanError";
  /** A stable code for programs. */
  readonly code: InkanErrorCode;
  /** For PIN errors: which PIN. */
  readonly pin?: PinName;
  /** For `pin-wrong` (and `pin-last-try-needs-confirmation`, `pin-blocked`): tries left. */
  readonly retriesLeft?: number;
}

/** A progress report: `step` is one of the names below; reads also carry byte counts. */
export interface Progress {
  step:
    | "open-reader"
    | "select-application"
    | "read-status"
    | "read-certificate"
    | "verify-pin"
    | "prepare"
    | "card-signs"
    | "finish"
    | "read-data"
    | "decode-photo"
    | "change-pin"
    | "read"
    | "done";
  /** For `read`: what is read, bytes done and total. */
  what?: string;
  done?: number;
  total?: number;
}

export interface CallOptions {
  /** Cancels the operation; it then fails with code `aborted`. */
  signal?: AbortSignal;
  /** Called for each step. The card also emits `progress` events. */
  onProgress?: (p: Progress) => void;
}

export interface PinOptions extends CallOptions {
  pin: string;
  /** Needed when only one try is left; without it such a call fails with
   * `pin-last-try-needs-confirmation` and nothing is sent to the card. */
  allowLastTry?: boolean;
}

/** A file an e-Gov `kousei.xml` references by name (its raw bytes are digested). */
export interface XmlAttachment {
  /** The file name as the application names it (percent-encoded in the reference URI). */
  name: string;
  data: Bytes;
}

export interface XmlSignOptions extends PinOptions {
  /** Ids (`id`, `Id` or `ID`) of elements to sign, each a child of the document element:
   * e-Tax the procedure element (e.g. `"RKO0010"`), e-Gov `"構成情報"`. May be empty with
   * `enveloped`. */
  references: string[];
  /** Files referenced by name, after the element references (e-Gov attachments). */
  attachments?: XmlAttachment[];
  /** An enveloped signature over the document element (deduction certificates); with no
   * `references`, the document element is the one reference. */
  enveloped?: boolean;
  /** The new signature's `Id`; default the first free of `Signature1`, `Signature2`, …. */
  signatureId?: string;
}

export interface UsbFilter {
  vendorId?: number;
  productId?: number;
  classCode?: number;
}

export interface ReaderModel {
  name: string;
  vendorId: number;
  productId: number;
  driver: "ccid" | "port100";
  /** Whether a normal web page may claim it (no protected USB class). */
  pageUsable: boolean;
}

export interface ReaderInfo {
  name: string;
  vendorId: number;
  productId: number;
  driver: "ccid" | "port100";
  interfaceClass: number;
  level: "tpdu" | "short-apdu" | "extended-apdu" | "iso-dep";
  /** The card's ATR, hex. */
  atr: string;
}

export interface CertificateInfo {
  slot: "sign" | "sign-ca" | "auth" | "auth-ca";
  present: boolean;
  /** True for the signature certificate until it is read with the signature PIN. */
  needsPin: boolean;
  der: Uint8Array | null;
  subject?: string;
  issuer?: string;
  serial?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Whole days to notAfter (negative once expired). */
  daysLeft?: number;
  validity?: "not-yet-valid" | "valid" | "expires-soon" | "expired";
}

export interface PinCounter {
  pin: "sign" | "auth" | "text";
  /** Tries left; null when the card does not say (after a successful VERIFY). */
  remaining: number | null;
  /** Tries of a fresh card: 5 for `sign`, 3 for `auth` and `text`. */
  max: number | null;
  blocked: boolean;
  /** False for the signature PIN of a card without a signature certificate. */
  present: boolean;
}

export interface CardStatus {
  token: { label: string; kind: "my-number-card" | "older-card" | "phone" | "unknown" };
  certificates: CertificateInfo[];
  pins: PinCounter[];
}

export interface Login {
  /** RSASSA-PKCS1-v1_5 with SHA-256 over the challenge, 256 bytes. */
  signature: Uint8Array;
  /** The user-authentication certificate, DER. */
  certificate: Uint8Array;
  caCertificate: Uint8Array | null;
  algorithm: "RSASSA-PKCS1-v1_5 SHA-256";
}

export interface BasicInfo {
  name: string;
  address: string;
  /** YYYYMMDD. */
  birthDate: string;
  /** ISO/IEC 5218: "1" male, "2" female, "9" not applicable, "0" not known. */
  sex: "0" | "1" | "2" | "9";
  sexName: "male" | "female" | "not-applicable" | "not-known";
}

export declare class Photo {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, RGBA. */
  readonly rgba: Uint8ClampedArray;
  /** The photo as PNG. */
  readonly png: Uint8Array;
  toImageData(): ImageData;
  toBlob(): Blob;
}

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView | Blob | string;

export declare class Card extends EventTarget {
  readonly reader: ReaderInfo;
  readonly device: USBDevice;
  readonly connected: boolean;
  status(options?: CallOptions): Promise<CardStatus>;
  readCertificates(options?: CallOptions & { pin?: string; allowLastTry?: boolean }): Promise<CertificateInfo[]>;
  signDocument(
    data: Bytes,
    options: PinOptions & { detached?: boolean; signingTime?: Date },
  ): Promise<Uint8Array>;
  /**
   * Signs an XML document (a string is UTF-8 encoded) with the signature key: one
   * `dsig:Signature` (Canonical XML 1.0, SHA-256, RSA-SHA256, the signature and signature
   * CA certificates in `KeyInfo`) inserted before the document element's end tag; no other
   * byte changes. Resolves to the signed document. The document and the references are
   * checked before the PIN is sent: `xml-*` errors cost no try. The XML code is a second
   * wasm module (`inkan_web_xml_bg.wasm`, beside the signer's), downloaded on first use.
   */
  signXml(document: Bytes, options: XmlSignOptions): Promise<Uint8Array>;
  authenticate(challenge: Bytes, options: PinOptions): Promise<Login>;
  myNumber(options: PinOptions): Promise<string>;
  basicInfo(options: PinOptions): Promise<BasicInfo>;
  facePhoto(options: PinOptions): Promise<Photo>;
  changePin(
    which: "sign" | "auth",
    options: CallOptions & { current: string; next: string; allowLastTry?: boolean },
  ): Promise<void>;
  disconnect(): Promise<void>;
}

export interface UsbLike {
  requestDevice(options: { filters: UsbFilter[] }): Promise<USBDevice>;
  getDevices(): Promise<USBDevice[]>;
  addEventListener(type: "connect" | "disconnect", listener: (e: USBConnectionEvent) => void): void;
  removeEventListener(type: "connect" | "disconnect", listener: (e: USBConnectionEvent) => void): void;
}

export function init(moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<unknown>;
/**
 * Loads the XML module that `signXml` needs (once; `signXml` calls it itself). Call it to
 * start the download early or to pass the module's URL or bytes.
 */
export function initXml(moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<unknown>;
/**
 * Loads the face-photo module (the JPEG 2000 decoder) that `facePhoto` and
 * `decodeJpeg2000` need (once; they call it themselves).
 */
export function initPhoto(moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<unknown>;
export function readerFilters(): Promise<UsbFilter[]>;
export function supportedReaders(): Promise<ReaderModel[]>;
export function requestReader(options?: { usb?: UsbLike }): Promise<USBDevice>;
export function knownReaders(options?: { usb?: UsbLike }): Promise<USBDevice[]>;
export function connect(
  options?: CallOptions & { device?: USBDevice; usb?: UsbLike },
): Promise<Card>;
export function decodeJpeg2000(bytes: Bytes): Promise<Photo>;

// Minimal WebUSB types, for projects without @types/w3c-web-usb.
declare global {
  interface USBDevice {
    readonly vendorId: number;
    readonly productId: number;
    readonly productName?: string;
  }
  interface USBConnectionEvent extends Event {
    readonly device: USBDevice;
  }
}
