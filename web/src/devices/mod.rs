//! The staff app: its files under `/m/`, its devices and its offline sync
//! (`domovoy-mobile-bridge` does the work; these are its HTTP routes).

pub mod api;
pub mod app;
