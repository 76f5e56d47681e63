//! A real SMTP server for mail tests (Python's aiosmtpd writing a
//! Maildir), and reading what it received: headers with their RFC 2047
//! words decoded, base64 parts.
//!
//! Needs Python's `aiosmtpd` (`.ci/run` installs it); without it a test
//! says it skipped, unless `DOMOVOY_TEST_REQUIRE_SMTP` is set.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;

use crate::helpers::TestApp;

/// A real SMTP server on a free loopback port, writing what it receives
/// into a Maildir; stopped when dropped.
pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    _child: tokio::process::Child,
    _dir: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl SmtpServer {
    pub async fn start() -> Option<SmtpServer> {
        let available =
            std::process::Command::new("python3").args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
        if !available {
            assert!(
                std::env::var_os("DOMOVOY_TEST_REQUIRE_SMTP").is_none(),
                "DOMOVOY_TEST_REQUIRE_SMTP is set but Python's aiosmtpd is missing (pip install aiosmtpd)"
            );
            eprintln!("skipped: Python's aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("domovoy-smtp-{}", uuid::Uuid::now_v7()));
        let maildir = dir.join("mail");
        std::fs::create_dir_all(&dir).unwrap();
        let child = tokio::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .kill_on_drop(true)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(SmtpServer { port, maildir, _child: child, _dir: tempfile_dir::Dir(dir) });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    pub fn letters(&self) -> Vec<String> {
        read_dir(&self.maildir.join("new"))
    }

    /// Waits until `count` letters have arrived (at most 20 s).
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..200 {
            let letters = self.letters();
            if letters.len() >= count {
                return letters;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {count} letters, got {}", self.letters().len());
    }
}

fn read_dir(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries.filter_map(Result::ok).map(|e| std::fs::read_to_string(e.path()).unwrap()).collect()
}

/// The base64 body of the MIME part whose headers hold `marker`.
pub fn part_body(letter: &str, marker: &str) -> Vec<u8> {
    let letter = letter.replace("\r\n", "\n");
    let start = letter.find(marker).unwrap_or_else(|| panic!("no part with {marker:?} in\n{letter}"));
    let rest = &letter[start..];
    let body_start = rest.find("\n\n").expect("part headers end") + 2;
    let body: String = rest[body_start..].lines().take_while(|l| !l.starts_with("--")).collect();
    base64::engine::general_purpose::STANDARD.decode(body.trim()).expect("the part is base64")
}

/// A header's value, RFC 2047 words decoded (lettre writes UTF-8 base64).
pub fn header(letter: &str, name: &str) -> String {
    let letter = letter.replace("\r\n", "\n");
    let mut value = String::new();
    let mut lines =
        letter.lines().skip_while(|l| !l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())));
    if let Some(first) = lines.next() {
        value.push_str(first[name.len() + 1..].trim());
        for more in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
            value.push(' ');
            value.push_str(more.trim());
        }
    }
    // Whitespace between two encoded words is not text (RFC 2047 §6.2).
    let mut text = String::new();
    let mut after_encoded = false;
    for word in value.split_whitespace() {
        match word.strip_prefix("=?utf-8?b?").or_else(|| word.strip_prefix("=?UTF-8?B?")) {
            Some(encoded) => {
                if !after_encoded && !text.is_empty() {
                    text.push(' ');
                }
                let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim_end_matches("?=")).unwrap();
                text.push_str(&String::from_utf8(bytes).unwrap());
                after_encoded = true;
            }
            None => {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(word);
                after_encoded = false;
            }
        }
    }
    text
}

pub async fn mail_app(smtp: &SmtpServer, postgres: bool) -> Option<TestApp> {
    let port = smtp.port;
    let adjust = move |s: &mut domovoy::Settings| {
        s.mail = Some(domovoy::settings::MailSettings {
            smtp_url: domovoy::settings::Secret::new(format!("smtp://127.0.0.1:{port}")),
            from: "Домовой <noreply@uk.example>".to_owned(),
        });
        s.outbox.poll_interval_ms = 100;
    };
    if postgres {
        TestApp::spawn_postgres_configured(adjust).await
    } else {
        Some(TestApp::spawn_configured(adjust).await)
    }
}
