//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "inkan verification service",
        description = "Logins with the My Number Card's user-authentication certificate, verification of signed documents (CMS, e-Tax / e-Gov XML), the CRLs in use."
    ),
    paths(
        super::issue_challenge,
        super::login,
        super::verify_document,
        super::list_crls,
        super::healthz,
        super::readyz,
        super::metrics_text,
        super::openapi_json
    ),
    components(schemas(
        super::ChallengeResponse,
        super::ErrorBody,
        super::LoginRequest,
        super::DocumentRequest,
        super::CrlsResponse,
        super::crls::CrlSummary
    ))
)]
struct ApiDoc;

/// The document, JSON.
pub fn document() -> String {
    ApiDoc::openapi().to_json().unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    #[test]
    fn every_route_is_documented_and_nothing_else() {
        let doc: serde_json::Value = serde_json::from_str(&super::document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = Vec::new();
        for (path, ops) in paths {
            for method in ops.as_object().unwrap().keys() {
                documented.push((method.clone(), path.clone()));
            }
        }
        for (m, p) in crate::ROUTES {
            assert!(
                documented.iter().any(|(dm, dp)| dm == m && dp == p),
                "{m} {p} is not in the OpenAPI document"
            );
            let responses = paths[*p][*m]["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('2')), "{m} {p}");
        }
        assert_eq!(documented.len(), crate::ROUTES.len(), "{documented:?}");
    }
}
