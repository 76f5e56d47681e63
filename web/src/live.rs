//! `GET /ws`: the WebSocket of live pages (protocol in
//! `domovoy_actors::session`).

use std::os::fd::{AsFd as _, OwnedFd};
use std::rc::Rc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use domovoy_actors::session::{self, Connection, SessionUser};

use domovoy_app::AppError;

use crate::auth::AuthVia;
use crate::auth::caller::authenticate;
use crate::error::ApiError;
use crate::state::AppState;

/// A connection's own handle on its socket: a second descriptor, taken
/// when the connection is accepted (the only moment the server shows the
/// socket) and kept with the connection's data, so it closes with the
/// connection. A WebSocket session keeps a share to cut its connection when
/// its client stopped reading ([`Connection`]); while that share is the
/// only one left, the server has let the connection go.
///
/// It costs one descriptor per open connection (`deploy/domovoy.service`
/// allows 65,536).
#[derive(Debug, Clone)]
pub struct Socket(Rc<OwnedFd>);

impl Socket {
    /// Duplicates the descriptor of a connection being accepted.
    pub fn of(tcp: &actix_web::rt::net::TcpStream) -> std::io::Result<Socket> {
        Ok(Socket(Rc::new(tcp.as_fd().try_clone_to_owned()?)))
    }
}

impl Connection for Socket {
    fn open(&self) -> bool {
        Rc::strong_count(&self.0) > 1
    }

    fn cut(&self) {
        let socket = socket2::SockRef::from(&*self.0);
        // A reset, not a FIN after data the client will never read: the
        // kernel forgets the connection once the server closes it.
        if let Err(error) = socket.set_linger(Some(Duration::ZERO)) {
            tracing::debug!(%error, "cannot set a connection to reset on close");
        }
        // Wakes the server's writer, whose next write fails: it drops the
        // connection.
        if let Err(error) = socket.shutdown(std::net::Shutdown::Both) {
            tracing::debug!(%error, "cannot cut a connection");
        }
    }
}

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
    let connection = req.conn_data::<Socket>().map(|socket| Box::new(socket.clone()) as Box<dyn Connection>);
    session::start(socket, stream, connection, user, deps);
    Ok(response)
}
