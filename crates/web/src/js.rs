//! Small JavaScript helpers: timers, the clock, sentinels, plain objects.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function handled(p) { p.catch(() => {}); }
export function abortPromise(signal, token) {
  if (!signal || typeof signal.addEventListener !== "function") return undefined;
  return new Promise((resolve) => {
    if (signal.aborted) resolve(token);
    else signal.addEventListener("abort", () => resolve(token), { once: true });
  });
}
export function onDisconnect(usb, device, cb) {
  if (!usb || typeof usb.addEventListener !== "function") return () => {};
  const h = (e) => { if (e.device === device) cb(); };
  usb.addEventListener("disconnect", h);
  return () => usb.removeEventListener("disconnect", h);
}
"#)]
extern "C" {
    /// Marks a promise as handled so that a late rejection (after it lost a race) does not
    /// show up as an unhandled rejection.
    pub fn handled(p: &Promise);
    /// A promise resolving to `token` when `signal` aborts; `undefined` without a signal.
    #[wasm_bindgen(js_name = abortPromise)]
    fn abort_promise_js(signal: &JsValue, token: &JsValue) -> JsValue;
    /// Calls `cb` when `usb` reports `device` disconnected; returns the remover.
    #[wasm_bindgen(js_name = onDisconnect)]
    pub fn on_disconnect(usb: &JsValue, device: &JsValue, cb: &Function) -> Function;
}

/// The abort promise of an `AbortSignal` (resolves to [`ABORTED`]).
pub fn abort_promise(signal: &JsValue) -> Option<Promise> {
    let p = abort_promise_js(signal, &JsValue::from_str(ABORTED));
    (!p.is_undefined()).then(|| p.unchecked_into())
}

#[wasm_bindgen]
extern "C" {
    /// `setTimeout(handler, ms, arg)`: global in windows and workers.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout_with_arg(handler: &Function, ms: i32, arg: &JsValue) -> JsValue;
    /// `clearTimeout(id)`.
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    /// `performance.now()`: a monotonic clock in milliseconds.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// What a timer promise resolves to.
pub const TIMEOUT: &str = "__inkan_timeout__";
/// What the disconnect promise resolves to.
pub const GONE: &str = "__inkan_gone__";
/// What an abort promise resolves to.
pub const ABORTED: &str = "__inkan_aborted__";

/// Whether `v` is the sentinel string `s`.
pub fn is_sentinel(v: &JsValue, s: &str) -> bool {
    v.as_string().as_deref() == Some(s)
}

/// A timer: a promise resolving to [`TIMEOUT`] after `ms`, and its id for [`Timer::cancel`].
pub struct Timer {
    /// The promise.
    pub promise: Promise,
    id: JsValue,
}

impl Timer {
    /// Starts a timer.
    pub fn start(ms: u32) -> Timer {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let mut id = JsValue::UNDEFINED;
        let promise = Promise::new(&mut |resolve, _reject| {
            id = set_timeout_with_arg(&resolve, ms, &JsValue::from_str(TIMEOUT));
        });
        Timer { promise, id }
    }

    /// Stops the timer (it resolves never).
    pub fn cancel(&self) {
        clear_timeout(&self.id);
    }
}

/// Resolves after `ms` (used to let pending events run).
pub async fn sleep(ms: u32) {
    let _ = wasm_bindgen_futures::JsFuture::from(Timer::start(ms).promise).await;
}

/// Microseconds of `performance.now()`, if it is there.
pub fn now_micros() -> Option<u64> {
    let ms = performance_now();
    (ms.is_finite() && ms >= 0.0).then_some((ms * 1000.0) as u64)
}

/// `Promise.race(list)`.
pub fn race(list: &[&JsValue]) -> Promise {
    let arr = Array::new();
    for p in list {
        arr.push(p);
    }
    Promise::race(&arr)
}

/// A plain object builder.
pub struct Obj(pub Object);

impl Obj {
    /// `{}`.
    pub fn new() -> Obj {
        Obj(Object::new())
    }

    /// Sets `key` to `value`.
    pub fn set(self, key: &str, value: impl Into<JsValue>) -> Obj {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    /// Sets `key` to a `Uint8Array` copy of `bytes`.
    pub fn bytes(self, key: &str, bytes: &[u8]) -> Obj {
        self.set(key, Uint8Array::from(bytes))
    }

    /// Sets `key` to `value` or `null`.
    pub fn opt(self, key: &str, value: Option<impl Into<JsValue>>) -> Obj {
        match value {
            Some(v) => self.set(key, v),
            None => self.set(key, JsValue::NULL),
        }
    }

    /// The object.
    pub fn done(self) -> JsValue {
        self.0.into()
    }
}

/// Reads `obj[key]`; `undefined` when absent.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// The `name` of a DOMException or Error, and its message.
pub fn error_name_and_message(e: &JsValue) -> (String, String) {
    let name = get(e, "name").as_string().unwrap_or_default();
    let message = get(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_default();
    (name, message)
}
