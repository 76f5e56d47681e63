//! `GET /ws`: the WebSocket of live pages (protocol in
//! `domovoy_actors::session`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use domovoy_actors::session::{self, SessionUser};

use domovoy_app::AppError;

use crate::auth::AuthVia;
use crate::auth::caller::authenticate;
use crate::error::ApiError;
use crate::state::AppState;

/// Whether the request's `Origin` is this server. Browsers send cookies
/// with WebSocket handshakes from any site and no CSRF token can ride
/// along, so a cookie-authenticated upgrade must come from our own pages.
fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not a browser (browsers always send Origin on WebSocket upgrades).
        return true;
    };
    let host = req.connection_info().host().to_owned();
    origin.split_once("://").is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

/// Upgrades to a WebSocket for a signed-in caller (cookie, or `?token=`
/// for programs and the staff app) and starts its session actor.
#[get("/ws")]
pub async fn ws(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&req).await?.ok_or(ApiError::Unauthenticated)?;
    if caller.via == AuthVia::Cookie && !same_origin(&req) {
        return Err(ApiError::forbidden());
    }
    let deps = state.session_deps().ok_or(ApiError::App(AppError::Unavailable(None)))?;
    let (response, socket, stream) = actix_ws::handle(&req, body).map_err(|_| ApiError::NotWebSocket)?;
    let user = SessionUser {
        principal: caller.principal().clone(),
        name: caller.user().display_name.clone(),
        describe: caller.t().session_error_label,
    };
    session::start(socket, stream, user, deps);
    Ok(response)
}
