//! Domovoy's HTTP face: the JSON API, the Russian UI and operations endpoints.
//!
//! This crate owns routes, request parsing, authentication (cookies,
//! bearer tokens, CSRF), the string catalogs, templates and static assets,
//! and the OpenAPI description. It is a thin adapter: every handler turns a
//! request into a call of a use-case in `domovoy-app` (with the caller as
//! the requester) and its result into JSON or HTML.
//!
//! It must not contain SQL (every query lives in `domovoy-store`), business
//! rules (they live in `domovoy-app` and `domovoy-domain`), or Russian text
//! outside its catalogs (`i18n/`).

// The door's own machinery.
pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod export;
pub mod i18n;
pub mod live;
pub mod middleware;
pub mod ops;
pub mod pages;
pub mod qr;
pub mod state;

// One folder per feature: its JSON API, its pages, its DTOs and views.
pub mod account;
pub mod audit;
pub mod buildings;
pub mod calls;
pub mod clients;
pub mod devices;
pub mod home;
pub mod integrations;
pub mod mailings;
pub mod outages;
pub mod passes;
pub mod places;
pub mod reports;
pub mod roles;
pub mod surveys;
pub mod ticket_settings;
pub mod tickets;
pub mod users;

use std::net::{SocketAddr, TcpListener, ToSocketAddrs as _};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use state::{AppState, WebConfig};

/// Kernel send buffer of each connection (Linux doubles it). Without a
/// limit the kernel grows it up to `tcp_wmem` (4 MiB by default) for a
/// client that stops reading, and thousands of live sessions could pin
/// gigabytes; 128 KiB still fills a LAN link and a WAN link to a branch
/// office for downloads.
const SEND_BUFFER: usize = 128 * 1024;

/// Connections the kernel completes and holds for the server before it
/// accepts them (capped by `net.core.somaxconn`, 4096 on current Linux).
/// `std`'s `TcpListener::bind` asks for 128: a pause of a tenth of a second
/// (a busy machine, a VM paused) at a thousand new connections a second
/// overflows that, and the handshakes beyond it are dropped and retried a
/// second later (`faults::connections_made_while_the_server_stands_still…`).
pub const LISTEN_BACKLOG: i32 = 4096;

/// Binds `address` (`host:port`; the first of its addresses that binds)
/// for the HTTP server, with [`LISTEN_BACKLOG`].
pub fn bind(address: &str) -> std::io::Result<TcpListener> {
    let mut failed = None;
    for addr in address.to_socket_addrs()? {
        match bind_one(addr) {
            Ok(listener) => return Ok(listener),
            Err(error) => failed = Some(error),
        }
    }
    Err(failed.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "the address names no host")))
}

fn bind_one(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As `std` does: a restarted server takes its port back at once,
    // whatever connections of the old one linger in TIME_WAIT.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// How the HTTP server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Worker threads; `None` uses one per CPU core.
    pub workers: Option<usize>,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
    /// How long an idle connection waits for its next request. actix's 5 s
    /// is shorter than clients and proxies keep connections: a request sent
    /// on one just as the server closes it fails (a reset, or a 502 from
    /// nginx, which does not retry a POST). A server that stood still for
    /// 1.5 s at 1,000 tickets/s lost 2,700 of 30,000 requests that way, 1
    /// with 75 s (BENCHMARKS.md, «Bursts»).
    pub keep_alive: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self { workers: None, shutdown_timeout: Duration::from_secs(30), keep_alive: Duration::from_secs(75) }
    }
}

/// Builds the HTTP server on an already bound listener. It does not handle
/// signals itself: the application first closes live sessions, then stops
/// the server gracefully through its handle (requests in flight finish, up
/// to `shutdown_timeout`).
pub fn server(state: AppState, listener: TcpListener, options: &ServerOptions) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(middleware::context))
            .configure(api::extractor_config)
            .service(ops::healthz)
            .service(ops::readyz)
            .service(ops::metrics)
            .service(ops::openapi)
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/docs/openapi.json", api::ApiDoc::openapi()))
            .service(assets::serve)
            .service(assets::favicon)
            .service(devices::app::app_root)
            .service(devices::app::app_file)
            .service(live::ws)
            .configure(api::register)
            .configure(pages::register)
            .default_service(web::to(not_found))
    })
    .on_connect(|connection, extensions| {
        let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else { return };
        if let Err(error) = socket2::SockRef::from(tcp).set_send_buffer_size(SEND_BUFFER) {
            tracing::debug!(%error, "cannot limit a connection's send buffer");
        }
        match live::Socket::of(tcp) {
            Ok(socket) => {
                extensions.insert(socket);
            }
            Err(error) => tracing::debug!(%error, "cannot keep a handle on a connection's socket"),
        }
    })
    .keep_alive(options.keep_alive)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(options.shutdown_timeout.as_secs());
    if let Some(workers) = options.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// Unknown paths: JSON under `/api/`, a page elsewhere.
async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if req.path().starts_with("/api/") {
        Err(error::ApiError::not_found().into())
    } else {
        Err(error::PageError::not_found().into())
    }
}
