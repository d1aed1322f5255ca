//! `decodeJpeg2000`, the export behind `inkan.js`'s `facePhoto` and `decodeJpeg2000`.

use crate::photo::{decode_jpeg2000, encode_png};
use js_sys::{Object, Reflect, Uint8Array, Uint8ClampedArray};
use wasm_bindgen::prelude::*;

/// Decodes a JPEG 2000 image to `{ width, height, rgba: Uint8ClampedArray, png:
/// Uint8Array }`; throws an `InkanError` with code `photo-decode`.
#[wasm_bindgen(js_name = decodeJpeg2000)]
pub fn decode(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let img = decode_jpeg2000(bytes).map_err(|e| {
        let err = js_sys::Error::new(&e.to_string());
        err.set_name("InkanError");
        let _ = Reflect::set(&err, &"code".into(), &JsValue::from_str(e.code()));
        JsValue::from(err)
    })?;
    let o = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
    };
    set("width", img.width.into());
    set("height", img.height.into());
    set(
        "rgba",
        Uint8ClampedArray::from(img.pixels.as_slice()).into(),
    );
    set("png", Uint8Array::from(encode_png(&img).as_slice()).into());
    Ok(o.into())
}
