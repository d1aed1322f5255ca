//! The wasm-bindgen class `XmlTemplate` behind `inkan.js`'s `signXml`.

use crate::spec::{self, Attachment};
use inkan_xml::{Limits, Template, XmlError};
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

fn js_error(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("InkanError");
    let _ = Reflect::set(&err, &"code".into(), &JsValue::from_str(code));
    err.into()
}

fn xml_error(e: &XmlError) -> JsValue {
    js_error(e.code(), &e.to_string())
}

fn invalid(message: &str) -> JsValue {
    js_error("invalid-argument", message)
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn list(o: &JsValue, key: &str) -> Result<Array, JsValue> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        Ok(Array::new())
    } else if Array::is_array(&v) {
        Ok(v.unchecked_into())
    } else {
        Err(invalid(&format!("{key} must be an array")))
    }
}

/// One signature to be made over one XML document: `new XmlTemplate(document,
/// { references, attachments, enveloped, signatureId })`, then `check()`,
/// `prepare(certificates)` and `finish(signatureValue)` (the signer calls them).
#[wasm_bindgen(js_name = XmlTemplate)]
pub struct JsTemplate {
    inner: Template,
}

#[wasm_bindgen(js_class = XmlTemplate)]
impl JsTemplate {
    /// A template over `document` (UTF-8 XML bytes). `options.references` are element
    /// ids, `options.attachments` `{ name, data }` files referenced by name.
    #[wasm_bindgen(constructor)]
    pub fn new(document: Vec<u8>, options: JsValue) -> Result<JsTemplate, JsValue> {
        let mut references = Vec::new();
        for r in list(&options, "references")?.iter() {
            references.push(
                r.as_string()
                    .ok_or_else(|| invalid("each reference is an element id (a string)"))?,
            );
        }
        let mut attachments = Vec::new();
        for a in list(&options, "attachments")?.iter() {
            let name = get(&a, "name").as_string();
            let data = get(&a, "data").dyn_into::<Uint8Array>().ok();
            let (Some(name), Some(data)) = (name, data) else {
                return Err(invalid(
                    "each attachment is { name: string, data: Uint8Array }",
                ));
            };
            attachments.push(Attachment {
                name,
                data: data.to_vec(),
            });
        }
        let id = get(&options, "signatureId");
        let signature_id = if id.is_undefined() || id.is_null() {
            None
        } else {
            Some(
                id.as_string()
                    .ok_or_else(|| invalid("signatureId must be a string"))?,
            )
        };
        let enveloped = get(&options, "enveloped").is_truthy();
        let spec = spec::sign_spec(references, attachments, enveloped, signature_id)
            .map_err(|e| invalid(&e.0))?;
        Ok(JsTemplate {
            inner: Template::new(document, spec, Limits::DEFAULT),
        })
    }

    /// Checks the document and references; returns the reference URIs (decoded).
    pub fn check(&self) -> Result<Array, JsValue> {
        let refs = self.inner.check().map_err(|e| xml_error(&e))?;
        Ok(refs.iter().map(|r| JsValue::from_str(r)).collect())
    }

    /// Puts `certificates` (DER `Uint8Array`s, the signer's first) in `KeyInfo`;
    /// returns the canonical SignedInfo to sign.
    pub fn prepare(&mut self, certificates: Array) -> Result<Uint8Array, JsValue> {
        let mut certs = Vec::new();
        for c in certificates.iter() {
            let c = c
                .dyn_into::<Uint8Array>()
                .map_err(|_| invalid("each certificate is a Uint8Array"))?;
            certs.push(c.to_vec());
        }
        let si = self.inner.prepare(&certs).map_err(|e| xml_error(&e))?;
        Ok(Uint8Array::from(si))
    }

    /// The signed document with `signature` in SignatureValue.
    pub fn finish(&mut self, signature: Vec<u8>) -> Result<Uint8Array, JsValue> {
        let out = self.inner.finish(&signature).map_err(|e| xml_error(&e))?;
        Ok(Uint8Array::from(out.as_slice()))
    }
}
