//! Query macros shared by the repositories.

/// Runs `$body` with `$c` bound to `&mut SqliteConnection` or
/// `&mut PgConnection`, from a `&Db` (a pooled read connection) or a
/// `&mut WriteTx`. The body is compiled once per backend.
macro_rules! on_conn {
    ($source:expr, $c:ident => $body:expr) => {{
        let source: $crate::db::Source<'_> = ($source).into();
        let mut held = source.hold().await?;
        match held.as_mut() {
            $crate::db::ConnMut::Sqlite($c) => $body,
            $crate::db::ConnMut::Pg($c) => $body,
        }
    }};
}
