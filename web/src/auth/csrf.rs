//! CSRF protection of HTML forms.
//!
//! Every form carries a hidden `csrf_token` field. For a signed-in user it
//! must equal the session's token (stored with the session, rotated with
//! it); for the anonymous sign-in form it must equal the `domovoy_csrf`
//! cookie (double submit: another site can make a browser send the cookie
//! but cannot read it to put it into the form).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::caller::authenticate;
use super::{CSRF_COOKIE, CSRF_FIELD};
use crate::error::PageError;
use domovoy_app::secret::same_secret;

/// Largest form body accepted; forms here are a few fields.
const FORM_LIMIT: usize = 64 * 1024;

/// A url-encoded form whose CSRF token was checked.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

/// A form with nothing but its CSRF token (buttons that post).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoFields {}

/// The raw pairs of a form, for forms with repeated keys (checkbox matrices).
pub type FormPairs = Vec<(String, String)>;

/// A form's body as its pairs, refused past the forms' size limit (also
/// for the forms a secret link posts, which carry no CSRF token).
pub fn pairs_of(bytes: &[u8]) -> Result<FormPairs, PageError> {
    if bytes.len() > FORM_LIMIT {
        return Err(PageError::BadForm);
    }
    serde_urlencoded::from_bytes(bytes).map_err(|_| PageError::BadForm)
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let mut pairs = pairs_of(&body.await.map_err(|_| PageError::BadForm)?)?;
            let sent = match pairs.iter().position(|(key, _)| key == CSRF_FIELD) {
                Some(at) => pairs.remove(at).1,
                None => String::new(),
            };
            let expected = match authenticate(&req).await? {
                Some(caller) => caller.csrf,
                None => req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default(),
            };
            if expected.is_empty() || !same_secret(&sent, &expected) {
                return Err(PageError::FormExpired);
            }
            let rest = serde_urlencoded::to_string(&pairs).map_err(|_| PageError::BadForm)?;
            let value = serde_urlencoded::from_str(&rest).map_err(|_| PageError::BadForm)?;
            Ok(CsrfForm(value))
        })
    }
}
