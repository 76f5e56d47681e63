//! Mailings' web door: `/api/v1/mailings`, the residents' `/api/v1/notices`,
//! the `/mailings` pages and the public unsubscribe page.

pub mod api;
pub mod pages;

/// The unsubscribe line of scheduled mailings, in the company's language
/// (the job that sends them has no reader's language to go by).
pub fn scheduled_footer() -> domovoy_app::mailings::SharedFooter {
    let t = crate::i18n::catalog(domovoy_domain::account::Locale::Ru);
    domovoy_app::mailings::SharedFooter(std::sync::Arc::new(move |channel, url| (t.ml.footer)(channel, url)))
}
