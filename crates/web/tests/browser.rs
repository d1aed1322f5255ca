//! wasm-bindgen-test suites in headless Chromium (`just test-wasm`): the WebUSB pipe's
//! races (timeouts that keep the transfer, disconnects, aborts, stalls) against a scripted
//! USBDevice, and the exported helpers.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use inkan_ccid::{PipeError, UsbPipe};
use inkan_web::pipe::{Endpoints, Shared, WebUsbPipe};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function mockDevice() {
  const d = {
    opened: true,
    outs: [],
    pending: null,
    inCalls: 0,
    halts: 0,
    next: null,
    transferIn(ep, len) {
      d.inCalls++;
      if (d.next) { const n = d.next; d.next = null; return n(); }
      return new Promise((resolve, reject) => { d.pending = { resolve, reject }; });
    },
    transferOut(ep, data) {
      d.outs.push(Array.from(data));
      return Promise.resolve({ status: "ok", bytesWritten: data.length });
    },
    controlTransferIn(setup, len) {
      const c = new Uint8Array([9, 2, 9, 0, 1, 1, 0, 0x80, 50]);
      return Promise.resolve({ status: "ok", data: new DataView(c.buffer, 0, Math.min(len, 9)) });
    },
    clearHalt() { d.halts++; return Promise.resolve(); },
    deliver(bytes) {
      const p = d.pending; d.pending = null;
      p.resolve({ status: "ok", data: new DataView(new Uint8Array(bytes).buffer) });
    },
    fail(name) {
      const p = d.pending; d.pending = null;
      p.reject(new DOMException("scripted", name));
    },
  };
  return d;
}
export function later(f, ms) { setTimeout(f, ms); }
export function resolvedWith(v) { return Promise.resolve(v); }
"#)]
extern "C" {
    fn mockDevice() -> JsValue;
    fn later(f: &js_sys::Function, ms: i32);
    #[wasm_bindgen(js_name = resolvedWith)]
    fn resolved_with(v: &JsValue) -> js_sys::Promise;
}

fn get(o: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(o, &JsValue::from_str(k)).unwrap()
}

fn call(o: &JsValue, method: &str, args: &[JsValue]) {
    let f: js_sys::Function = get(o, method).unchecked_into();
    let arr: js_sys::Array = args.iter().collect();
    f.apply(o, &arr).unwrap();
}

fn pipe(dev: &JsValue) -> (WebUsbPipe, std::rc::Rc<Shared>) {
    let shared = Shared::new();
    let p = WebUsbPipe::new(
        dev.clone().unchecked_into(),
        Some(Endpoints::from_addresses(0x01, 0x82, Some(0x83))),
        shared.clone(),
    );
    (p, shared)
}

#[wasm_bindgen_test]
async fn a_timed_out_read_keeps_its_transfer_for_the_next_read() {
    let dev = mockDevice();
    let (mut p, _) = pipe(&dev);
    let e = p.bulk_in(64, 30).await.unwrap_err();
    assert_eq!(e, PipeError::Timeout { millis: 30 });
    // The reply arrives later, to the same (still pending) transferIn.
    let d = dev.clone();
    let cb = Closure::once_into_js(move || {
        call(
            &d,
            "deliver",
            &[js_sys::Uint8Array::from(&[0x80u8, 0, 0][..]).into()],
        )
    });
    later(cb.unchecked_ref(), 20);
    let got = p.bulk_in(64, 2_000).await.unwrap();
    assert_eq!(got, vec![0x80, 0, 0]);
    assert_eq!(
        get(&dev, "inCalls").as_f64(),
        Some(1.0),
        "no second transferIn"
    );
}

#[wasm_bindgen_test]
async fn bulk_out_and_control_in_move_bytes() {
    let dev = mockDevice();
    let (mut p, _) = pipe(&dev);
    p.bulk_out(&[0x62, 0, 0, 0, 0, 0, 1, 0, 0, 0])
        .await
        .unwrap();
    let outs: js_sys::Array = get(&dev, "outs").unchecked_into();
    assert_eq!(outs.length(), 1);
    let c = p.control_in(0x80, 6, 0x0200, 0, 9).await.unwrap();
    assert_eq!(c.len(), 9);
    assert_eq!(c[1], 2);
}

#[wasm_bindgen_test]
async fn a_disconnect_ends_a_pending_read_at_once() {
    let dev = mockDevice();
    let (mut p, shared) = pipe(&dev);
    let s = shared.clone();
    let cb = Closure::once_into_js(move || s.mark_gone());
    later(cb.unchecked_ref(), 10);
    let e = p.bulk_in(64, 60_000).await.unwrap_err();
    assert_eq!(e, PipeError::Disconnected);
    // Every later transfer fails at once too.
    assert_eq!(p.bulk_out(&[1]).await.unwrap_err(), PipeError::Disconnected);
}

#[wasm_bindgen_test]
async fn not_found_error_means_disconnected() {
    let dev = mockDevice();
    let (mut p, shared) = pipe(&dev);
    let d = dev.clone();
    let cb = Closure::once_into_js(move || call(&d, "fail", &[JsValue::from_str("NotFoundError")]));
    later(cb.unchecked_ref(), 10);
    assert_eq!(
        p.bulk_in(64, 5_000).await.unwrap_err(),
        PipeError::Disconnected
    );
    assert!(shared.gone.get());
}

#[wasm_bindgen_test]
async fn an_abort_ends_the_wait_and_is_flagged() {
    let dev = mockDevice();
    let (mut p, shared) = pipe(&dev);
    *shared.abort.borrow_mut() = Some(resolved_with(&JsValue::from_str("__inkan_aborted__")));
    let e = p.bulk_in(64, 60_000).await.unwrap_err();
    assert!(matches!(e, PipeError::Other(ref m) if m == "aborted"));
    assert!(shared.aborted.get());
}

#[wasm_bindgen_test]
async fn a_stall_clears_the_halt() {
    let dev = mockDevice();
    let (mut p, _) = pipe(&dev);
    let next = Closure::<dyn FnMut() -> js_sys::Promise>::new(|| {
        resolved_with(&{
            let o = js_sys::Object::new();
            js_sys::Reflect::set(&o, &"status".into(), &"stall".into()).unwrap();
            o.into()
        })
    });
    js_sys::Reflect::set(&dev, &"next".into(), next.as_ref()).unwrap();
    assert_eq!(p.bulk_in(64, 1_000).await.unwrap_err(), PipeError::Stall);
    assert_eq!(get(&dev, "halts").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
fn driver_choice_and_guidance_compile_for_the_browser() {
    let f = inkan_usb::registry::request_filters();
    assert!(f.contains(&inkan_usb::registry::Filter::Class(0x0B)));
}
