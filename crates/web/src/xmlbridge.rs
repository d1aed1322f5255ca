//! The signer's [`XmlTemplate`] over the XML module's `XmlTemplate` object (crate
//! `inkan-web-xml`, a second wasm instance that `inkan.js` loads on first use of
//! `signXml`): each step is a synchronous method call through JavaScript, and what the
//! other module throws comes back as [`XmlError::Relayed`] with its code unchanged.

use inkan_signer::xml::{XmlError, XmlTemplate};
use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// An `XmlTemplate` object of the XML module.
pub struct JsTemplate(JsValue);

impl JsTemplate {
    /// Wraps `template` (checked on first use: a value without the methods is refused
    /// as malformed use, before any PIN is sent).
    pub fn new(template: JsValue) -> Self {
        JsTemplate(template)
    }

    fn call(&self, method: &str, arg: Option<&JsValue>) -> Result<JsValue, XmlError> {
        let f = Reflect::get(&self.0, &JsValue::from_str(method))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(|| XmlError::Malformed {
                detail: format!("the XML template has no {method}() (not an XmlTemplate)"),
            })?;
        match arg {
            None => f.call0(&self.0),
            Some(a) => f.call1(&self.0, a),
        }
        .map_err(|e| relay(&e))
    }

    fn bytes(&self, method: &str, arg: &JsValue) -> Result<Vec<u8>, XmlError> {
        let v = self.call(method, Some(arg))?;
        v.dyn_into::<Uint8Array>()
            .map(|a| a.to_vec())
            .map_err(|_| XmlError::Malformed {
                detail: format!("the XML template's {method}() did not return bytes"),
            })
    }
}

/// What the XML module threw, as the error it stood for.
fn relay(e: &JsValue) -> XmlError {
    let field = |k: &str| {
        Reflect::get(e, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
    };
    let message = field("message").unwrap_or_else(|| "the XML module failed".into());
    field("code")
        .and_then(|c| XmlError::relayed(&c, message.clone()))
        .unwrap_or(XmlError::Malformed { detail: message })
}

impl XmlTemplate for JsTemplate {
    fn check(&mut self) -> Result<Vec<String>, XmlError> {
        let v = self.call("check", None)?;
        Ok(Array::from(&v)
            .iter()
            .filter_map(|r| r.as_string())
            .collect())
    }

    fn prepare(&mut self, certificates: &[Vec<u8>]) -> Result<Vec<u8>, XmlError> {
        let certs: Array = certificates
            .iter()
            .map(|c| JsValue::from(Uint8Array::from(c.as_slice())))
            .collect();
        self.bytes("prepare", &certs.into())
    }

    fn finish(&mut self, signature: &[u8]) -> Result<Vec<u8>, XmlError> {
        self.bytes("finish", &Uint8Array::from(signature).into())
    }
}
