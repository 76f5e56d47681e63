//! The staff app's devices and its offline sync (`domovoy-mobile-bridge`
//! does the work; these are its HTTP routes).

pub mod api;
