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

use std::net::TcpListener;
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

/// How the HTTP server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Worker threads; `None` uses one per CPU core.
    pub workers: Option<usize>,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self { workers: None, shutdown_timeout: Duration::from_secs(30) }
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
    .on_connect(|connection, _extensions| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
            && let Err(error) = socket2::SockRef::from(tcp).set_send_buffer_size(SEND_BUFFER)
        {
            tracing::debug!(%error, "cannot limit a connection's send buffer");
        }
    })
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
