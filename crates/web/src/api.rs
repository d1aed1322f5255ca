//! The wasm-bindgen exports. The npm package's hand-written `inkan.js` wraps them in a
//! friendlier API (classes, `InkanError`, events); see `crates/web/js/`.

use crate::certinfo::CertSummary;
use crate::device::{self, Driver, ReaderInfo};
use crate::error::{WebError, code};
use crate::guidance::Os;
use crate::js::{self, Obj};
use crate::pipe::Shared;
use crate::session::{CardStatus, CertEntry, Session};
use crate::xmlbridge::JsTemplate;
use core::cell::{Cell, RefCell};
use inkan_card::{BasicInfo, LastTry};
use inkan_usb::registry::{self as readers, Filter};
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::UsbDevice;
use zeroize::Zeroizing;

/// Turns a [`WebError`] into a JavaScript `Error` with `name = "InkanError"`, `code`, and
/// for PIN errors `pin` and `retriesLeft`.
pub fn to_js_error(e: &WebError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("InkanError");
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&err, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(e.code));
    if let Some(p) = e.pin {
        set("pin", JsValue::from_str(p));
    }
    if let Some(n) = e.retries_left {
        set("retriesLeft", JsValue::from(n));
    }
    err.into()
}

fn filter_object(f: &Filter) -> JsValue {
    match f {
        Filter::Device {
            vendor_id,
            product_id,
        } => Obj::new()
            .set("vendorId", *vendor_id)
            .set("productId", *product_id)
            .done(),
        Filter::Class(c) => Obj::new().set("classCode", *c).done(),
    }
}

/// The `filters` for `navigator.usb.requestDevice`: every supported reader and any
/// Smart Card class device.
#[wasm_bindgen(js_name = readerFilters)]
pub fn reader_filters() -> Array {
    readers::request_filters()
        .iter()
        .map(filter_object)
        .collect()
}

/// The readers inkan knows: `{ name, vendorId, productId, driver, pageUsable }`.
#[wasm_bindgen(js_name = supportedReaders)]
pub fn supported_readers() -> Array {
    readers::SUPPORTED_READERS
        .iter()
        .map(|r| {
            Obj::new()
                .set("name", r.name)
                .set("vendorId", r.vendor_id)
                .set("productId", r.product_id)
                .set("driver", r.protocol.driver_name())
                .set("pageUsable", r.page_usable())
                .done()
        })
        .collect()
}

fn reader_object(info: &ReaderInfo) -> JsValue {
    Obj::new()
        .set("name", info.name.as_str())
        .set("vendorId", info.vendor_id)
        .set("productId", info.product_id)
        .set("driver", info.driver)
        .set("interfaceClass", info.interface_class)
        .set("level", info.level)
        .set("atr", info.atr.as_str())
        .done()
}

fn secs_to_ms(s: u64) -> f64 {
    s as f64 * 1000.0
}

fn cert_object(c: &CertEntry, now: u64) -> JsValue {
    let mut o = Obj::new()
        .set("slot", c.slot.name())
        .set("present", c.der.is_some())
        .set("needsPin", c.needs_pin);
    o = match &c.der {
        Some(d) => o.bytes("der", d),
        None => o.set("der", JsValue::NULL),
    };
    match &c.summary {
        Some(s) => summary_fields(o, s, now).done(),
        None => o.done(),
    }
}

fn summary_fields(o: Obj, s: &CertSummary, now: u64) -> Obj {
    o.set("subject", s.subject.as_str())
        .set("issuer", s.issuer.as_str())
        .set("serial", s.serial.as_str())
        .set("notBefore", secs_to_ms(s.not_before))
        .set("notAfter", secs_to_ms(s.not_after))
        .set("daysLeft", s.days_left(now) as f64)
        .set("validity", s.validity(now).name())
}

fn status_object(st: &CardStatus, now: u64) -> JsValue {
    let certs: Array = st
        .certificates
        .iter()
        .map(|c| cert_object(c, now))
        .collect();
    let pins: Array = st
        .pins
        .iter()
        .map(|p| {
            Obj::new()
                .set("pin", p.kind.name())
                .opt("remaining", p.remaining)
                .opt("max", p.max)
                .set("blocked", p.blocked)
                .set("present", p.present)
                .done()
        })
        .collect();
    Obj::new()
        .set(
            "token",
            Obj::new()
                .set("label", st.token.label.as_str())
                .set("kind", st.token.kind.name())
                .done(),
        )
        .set("certificates", certs)
        .set("pins", pins)
        .done()
}

fn basic_info_object(b: &BasicInfo) -> JsValue {
    Obj::new()
        .set("name", b.name.as_str())
        .set("address", b.address.as_str())
        .set("birthDate", b.birth_date.as_str())
        .set("sex", b.sex.code())
        .set("sexName", b.sex.name())
        .done()
}

fn now_secs(ms: f64) -> Result<u64, WebError> {
    if ms.is_finite() && ms >= 0.0 {
        Ok((ms / 1000.0) as u64)
    } else {
        Err(WebError::invalid(
            "the time must be milliseconds since 1970",
        ))
    }
}

struct Inner {
    session: RefCell<Option<Session<Driver>>>,
    busy: Cell<bool>,
    closed: Cell<bool>,
    shared: Rc<Shared>,
    info: ReaderInfo,
    device: UsbDevice,
    remove_listener: RefCell<Option<Function>>,
    _listener: Closure<dyn FnMut()>,
}

impl Inner {
    async fn shut(&self) {
        self.closed.set(true);
        let session = self.session.borrow_mut().take();
        if let Some(mut s) = session
            && !self.shared.gone.get()
        {
            s.forget_pins().await;
        }
        if let Some(f) = self.remove_listener.borrow_mut().take() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
        if !self.shared.gone.get() {
            device::release(&self.device, self.info.interface_number).await;
        }
    }
}

/// A My Number Card behind an opened reader. Runs one operation at a time.
#[wasm_bindgen]
pub struct CardHandle {
    inner: Rc<Inner>,
}

/// A progress callback from `options.onProgress`.
fn progress_fn(options: &JsValue) -> Option<Function> {
    js::get(options, "onProgress").dyn_into::<Function>().ok()
}

fn report(f: &Option<Function>, event: JsValue) {
    if let Some(f) = f {
        let _ = f.call1(&JsValue::UNDEFINED, &event);
    }
}

type OpResult = Result<JsValue, WebError>;

/// An operation's surroundings: the session taken out for it and its progress callback.
struct Running {
    session: Session<Driver>,
    on_progress: Option<Function>,
}

async fn run_op(
    inner: Rc<Inner>,
    options: JsValue,
    op: impl AsyncFnOnce(&mut Session<Driver>, &mut dyn FnMut(&'static str)) -> OpResult,
) -> OpResult {
    // Only the call of `op` is generic; what comes before and after is one function for
    // every operation (the signer's bundle would otherwise carry a copy of each per
    // method).
    let mut run = begin(&inner, &options)?;
    let on_progress = run.on_progress.clone();
    let mut step = |s: &'static str| report(&on_progress, Obj::new().set("step", s).done());
    let result = op(&mut run.session, &mut step).await;
    end(&inner, run, result).await
}

/// Checks that an operation may start and takes the session out for it.
fn begin(inner: &Inner, options: &JsValue) -> Result<Running, WebError> {
    if inner.closed.get() {
        return Err(WebError::new(
            code::NOT_CONNECTED,
            "the card is not connected: connect the reader again",
        ));
    }
    if inner.busy.get() {
        return Err(WebError::new(
            code::BUSY,
            "another operation is running on this card; wait for it to finish",
        ));
    }
    let signal = js::get(options, "signal");
    if js::get(&signal, "aborted").is_truthy() {
        return Err(WebError::new(code::ABORTED, "the operation was cancelled"));
    }
    let mut session = inner
        .session
        .borrow_mut()
        .take()
        .ok_or_else(|| WebError::new(code::NOT_CONNECTED, "the card is not connected"))?;
    inner.busy.set(true);
    inner.shared.aborted.set(false);
    *inner.shared.abort.borrow_mut() = js::abort_promise(&signal);
    let on_progress = progress_fn(options);
    if let Some(f) = on_progress.clone() {
        session
            .card_mut()
            .set_progress(Box::new(move |what: &str, done: usize, total: usize| {
                let ev = Obj::new()
                    .set("step", "read")
                    .set("what", what)
                    .set("done", done as f64)
                    .set("total", total as f64)
                    .done();
                let _ = f.call1(&JsValue::UNDEFINED, &ev);
            }));
    } else {
        session.card_mut().set_progress(Box::new(|_, _, _| {}));
    }
    Ok(Running {
        session,
        on_progress,
    })
}

/// Puts the session back after an operation (or shuts it when the reader went away)
/// and gives the operation's result, or why it was cut short.
async fn end(inner: &Inner, run: Running, result: OpResult) -> OpResult {
    let Running {
        mut session,
        on_progress,
    } = run;
    *inner.shared.abort.borrow_mut() = None;
    let aborted = inner.shared.aborted.replace(false);
    if result.is_err() && !inner.shared.gone.get() {
        // A disconnect event may be queued behind the failed transfer.
        js::sleep(0).await;
    }
    if inner.shared.gone.get() {
        inner.busy.set(false);
        drop(session);
        inner.shut().await;
        return Err(WebError::new(
            "reader-removed",
            "the reader was disconnected during the operation; nothing was produced. \
             Plug it in again and reconnect",
        ));
    }
    // No verified PIN stays behind (FACTS §3), and a cancelled or failed exchange leaves
    // the link in a clean state: the card is powered off; the next operation powers it on.
    session.forget_pins().await;
    *inner.session.borrow_mut() = Some(session);
    inner.busy.set(false);
    report(&on_progress, Obj::new().set("step", "done").done());
    if aborted {
        return Err(WebError::new(code::ABORTED, "the operation was cancelled"));
    }
    result
}

fn last_try(allow: bool) -> LastTry {
    LastTry::from_flag(allow)
}

#[wasm_bindgen]
impl CardHandle {
    fn run(
        &self,
        options: JsValue,
        op: impl AsyncFnOnce(&mut Session<Driver>, &mut dyn FnMut(&'static str)) -> OpResult + 'static,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            run_op(inner, options, op)
                .await
                .map_err(|e| to_js_error(&e))
        })
    }

    /// The reader: `{ name, vendorId, productId, driver, interfaceClass, level, atr }`.
    #[wasm_bindgen(getter)]
    pub fn reader(&self) -> JsValue {
        reader_object(&self.inner.info)
    }

    /// Whether the card can still be used.
    #[wasm_bindgen(getter)]
    pub fn connected(&self) -> bool {
        !self.inner.closed.get() && !self.inner.shared.gone.get()
    }

    /// Token, certificates (with validity at `now_ms`) and PIN counters.
    pub fn status(&self, now_ms: f64, options: JsValue) -> Promise {
        self.run(options, async move |s, p| {
            let now = now_secs(now_ms)?;
            let st = s.status(p).await?;
            Ok(status_object(&st, now))
        })
    }

    /// Every certificate; the signature certificate too when `sign_pin` is given.
    pub fn certificates(
        &self,
        sign_pin: Option<String>,
        allow_last_try: bool,
        now_ms: f64,
        options: JsValue,
    ) -> Promise {
        let pin = sign_pin.map(Zeroizing::new);
        self.run(options, async move |s, p| {
            let now = now_secs(now_ms)?;
            let certs = s
                .certificates(
                    pin.as_deref().map(String::as_str),
                    last_try(allow_last_try),
                    p,
                )
                .await?;
            Ok(certs
                .iter()
                .map(|c| cert_object(c, now))
                .collect::<Array>()
                .into())
        })
    }

    /// Signs `data`: CMS SignedData (CAdES-BES), DER.
    #[wasm_bindgen(js_name = signDocument)]
    pub fn sign_document(
        &self,
        data: Vec<u8>,
        pin: String,
        detached: bool,
        allow_last_try: bool,
        signing_time_ms: f64,
        options: JsValue,
    ) -> Promise {
        let pin = Zeroizing::new(pin);
        self.run(options, async move |s, p| {
            let t = now_secs(signing_time_ms)?;
            let cms = s
                .sign_document(&pin, &data, detached, t, last_try(allow_last_try), p)
                .await?;
            Ok(js_sys::Uint8Array::from(cms.as_slice()).into())
        })
    }

    /// Makes the XML signature `template` describes (an `XmlTemplate` of the XML module,
    /// built by `inkan.js` from the document and the options) with the signature key:
    /// the document with one `dsig:Signature` added, every other byte kept.
    #[wasm_bindgen(js_name = signXml)]
    pub fn sign_xml(
        &self,
        template: JsValue,
        pin: String,
        allow_last_try: bool,
        options: JsValue,
    ) -> Promise {
        let pin = Zeroizing::new(pin);
        let mut template = JsTemplate::new(template);
        self.run(options, async move |s, p| {
            let signed = s
                .sign_xml(&pin, &mut template, last_try(allow_last_try), p)
                .await?;
            Ok(Uint8Array::from(signed.as_slice()).into())
        })
    }

    /// Signs a login challenge with the user-authentication key.
    pub fn authenticate(
        &self,
        challenge: Vec<u8>,
        pin: String,
        allow_last_try: bool,
        options: JsValue,
    ) -> Promise {
        let pin = Zeroizing::new(pin);
        self.run(options, async move |s, p| {
            let login = s
                .authenticate(&pin, &challenge, last_try(allow_last_try), p)
                .await?;
            let o = Obj::new()
                .bytes("signature", &login.signature)
                .bytes("certificate", &login.certificate)
                .set("algorithm", "RSASSA-PKCS1-v1_5 SHA-256");
            Ok(match &login.ca_certificate {
                Some(ca) => o.bytes("caCertificate", ca),
                None => o.set("caCertificate", JsValue::NULL),
            }
            .done())
        })
    }

    /// The My Number (12 digits).
    #[wasm_bindgen(js_name = myNumber)]
    pub fn my_number(&self, pin: String, allow_last_try: bool, options: JsValue) -> Promise {
        let pin = Zeroizing::new(pin);
        self.run(options, async move |s, p| {
            let n = s.my_number(&pin, last_try(allow_last_try), p).await?;
            Ok(JsValue::from_str(n.as_str()))
        })
    }

    /// The basic 4 info.
    #[wasm_bindgen(js_name = basicInfo)]
    pub fn basic_info(&self, pin: String, allow_last_try: bool, options: JsValue) -> Promise {
        let pin = Zeroizing::new(pin);
        self.run(options, async move |s, p| {
            let b = s.basic_info(&pin, last_try(allow_last_try), p).await?;
            Ok(basic_info_object(&b))
        })
    }

    /// The face photo, decoded by `decode` (the photo module's `decodeJpeg2000`, which
    /// `inkan.js` loads on first use): whatever it returns, `{ width, height, rgba, png }`.
    #[wasm_bindgen(js_name = facePhoto)]
    pub fn face_photo(
        &self,
        pin: String,
        allow_last_try: bool,
        options: JsValue,
        decode: Function,
    ) -> Promise {
        let pin = Zeroizing::new(pin);
        self.run(options, async move |s, p| {
            let photo = s
                .face_photo(&pin, last_try(allow_last_try), p, |jp2| {
                    decode
                        .call1(&JsValue::UNDEFINED, &Uint8Array::from(jp2).into())
                        .map_err(|e| {
                            let message = js::get(&e, "message")
                                .as_string()
                                .unwrap_or_else(|| "the photo module failed".into());
                            WebError::new(code::PHOTO_DECODE, message)
                        })
                })
                .await?;
            Ok(photo)
        })
    }

    /// Changes the `sign` or `auth` PIN.
    #[wasm_bindgen(js_name = changePin)]
    pub fn change_pin(
        &self,
        which: String,
        current: String,
        next: String,
        allow_last_try: bool,
        options: JsValue,
    ) -> Promise {
        let current = Zeroizing::new(current);
        let next = Zeroizing::new(next);
        self.run(options, async move |s, p| {
            let which = crate::session::changeable_pin(&which)?;
            s.change_pin(which, &current, &next, last_try(allow_last_try), p)
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Powers the card off, releases the interface and closes the device.
    pub fn close(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            if !inner.closed.get() {
                inner.shut().await;
            }
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Opens `device` (a `USBDevice` from `usb.requestDevice` or `usb.getDevices`) and
/// connects to the My Number Card in it. `usb` is `navigator.usb` (or a stand-in with the
/// same interface); `options`: `{ userAgent?, signal?, onProgress? }`.
#[wasm_bindgen(js_name = openCard)]
pub fn open_card(usb: JsValue, device: UsbDevice, options: JsValue) -> Promise {
    future_to_promise(async move {
        open_card_inner(usb, device, options)
            .await
            .map(JsValue::from)
            .map_err(|e| to_js_error(&e))
    })
}

async fn open_card_inner(
    usb: JsValue,
    device: UsbDevice,
    options: JsValue,
) -> Result<CardHandle, WebError> {
    let ua = js::get(&options, "userAgent")
        .as_string()
        .unwrap_or_default();
    let os = Os::from_user_agent(&ua);
    let on_progress = progress_fn(&options);
    let shared = Shared::new();
    *shared.abort.borrow_mut() = js::abort_promise(&js::get(&options, "signal"));
    let listener = {
        let shared = shared.clone();
        Closure::<dyn FnMut()>::new(move || shared.mark_gone())
    };
    let remover = js::on_disconnect(&usb, device.as_ref(), listener.as_ref().unchecked_ref());
    report(&on_progress, Obj::new().set("step", "open-reader").done());
    let opened = device::open(device.clone(), shared.clone(), os).await;
    let (driver, info) = match opened {
        Ok(x) => x,
        Err(e) => {
            let _ = remover.call0(&JsValue::UNDEFINED);
            if !shared.gone.get() {
                device::release(&device, 0).await;
            }
            return Err(if shared.aborted.get() {
                WebError::new(code::ABORTED, "the operation was cancelled")
            } else {
                e
            });
        }
    };
    report(
        &on_progress,
        Obj::new().set("step", "select-application").done(),
    );
    let session = match Session::connect(driver).await {
        Ok(s) => s,
        Err(e) => {
            let _ = remover.call0(&JsValue::UNDEFINED);
            if !shared.gone.get() {
                device::release(&device, info.interface_number).await;
            }
            return Err(e);
        }
    };
    *shared.abort.borrow_mut() = None;
    report(&on_progress, Obj::new().set("step", "done").done());
    Ok(CardHandle {
        inner: Rc::new(Inner {
            session: RefCell::new(Some(session)),
            busy: Cell::new(false),
            closed: Cell::new(false),
            shared,
            info,
            device,
            remove_listener: RefCell::new(Some(remover)),
            _listener: listener,
        }),
    })
}
