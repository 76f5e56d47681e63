//! Simple formatting of a mailing's words, typed as text: `**bold**`
//! within a line, a line starting with `- ` (or `• `) is an item of a list,
//! a blank line ends a paragraph, and web addresses (`https://…`) are
//! links. The cabinet and a letter's HTML part show it formatted
//! ([`to_html`]: everything typed is escaped, so nothing a person wrote
//! becomes markup of its own); a text message, a push and a letter's plain
//! part carry it as plain text ([`to_plain`]).

/// The text without its marks: bold markers dropped, list items as `• `.
pub fn to_plain(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let (item, rest) = list_item(line.trim_end());
            let words: String = spans(rest).into_iter().map(|(_, words)| words).collect();
            if item { format!("• {words}") } else { words }
        })
        .collect();
    lines.join("\n")
}

/// The text as an HTML fragment: paragraphs (`<p>`, lines within one
/// joined by `<br>`), lists (`<ul>`), bold (`<strong>`) and links, all
/// text escaped.
pub fn to_html(text: &str) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<&str> = Vec::new();
    let flush = |out: &mut String, paragraph: &mut Vec<&str>, list: &mut Vec<&str>| {
        if !paragraph.is_empty() {
            let lines: Vec<String> = paragraph.drain(..).map(inline).collect();
            out.push_str(&format!("<p>{}</p>", lines.join("<br>")));
        }
        if !list.is_empty() {
            let items: String = list.drain(..).map(|item| format!("<li>{}</li>", inline(item))).collect();
            out.push_str(&format!("<ul>{items}</ul>"));
        }
    };
    for line in text.lines().map(str::trim_end) {
        match list_item(line) {
            _ if line.trim().is_empty() => flush(&mut out, &mut paragraph, &mut list),
            (true, rest) => {
                if !paragraph.is_empty() {
                    flush(&mut out, &mut paragraph, &mut list);
                }
                list.push(rest);
            }
            (false, words) => {
                if !list.is_empty() {
                    flush(&mut out, &mut paragraph, &mut list);
                }
                paragraph.push(words);
            }
        }
    }
    flush(&mut out, &mut paragraph, &mut list);
    out
}

/// Whether the line is a list item, and its words.
fn list_item(line: &str) -> (bool, &str) {
    let trimmed = line.trim_start();
    match trimmed.strip_prefix("- ").or_else(|| trimmed.strip_prefix("• ")) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, line),
    }
}

/// A line cut at its `**` markers: (bold, words). A marker without its
/// pair stays as typed.
fn spans(line: &str) -> Vec<(bool, &str)> {
    let parts: Vec<&str> = line.split("**").collect();
    let paired = if parts.len() % 2 == 1 { parts.len() } else { parts.len() - 1 };
    let mut out: Vec<(bool, &str)> =
        parts[..paired].iter().enumerate().map(|(i, words)| (i % 2 == 1, *words)).collect();
    if paired < parts.len() {
        // The unpaired marker and what follows it, as typed.
        let start = line.len() - parts[paired].len() - 2;
        out.push((false, &line[start..]));
    }
    out.retain(|(_, words)| !words.is_empty());
    out
}

/// One line's words as HTML: escaped, bold and links.
fn inline(line: &str) -> String {
    spans(line)
        .into_iter()
        .map(|(bold, words)| {
            let html = linked(words);
            if bold { format!("<strong>{html}</strong>") } else { html }
        })
        .collect()
}

/// The words escaped, with each web address a link (its trailing
/// punctuation left outside).
fn linked(words: &str) -> String {
    let mut out = String::new();
    let mut rest = words;
    while let Some(at) = [rest.find("https://"), rest.find("http://")].into_iter().flatten().min() {
        out.push_str(&escape(&rest[..at]));
        let tail = &rest[at..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '»', '"', '\'']);
        if url == "https://" || url == "http://" {
            out.push_str(&escape(url));
        } else {
            let shown = escape(url);
            out.push_str(&format!("<a href=\"{shown}\">{shown}</a>"));
        }
        rest = &tail[url.len()..];
    }
    out.push_str(&escape(rest));
    out
}

/// HTML-escapes text (also for attribute values in double quotes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTICE: &str = "Уважаемые жители!\nС **10:00** до 18:00 не будет воды.\n\nВозьмите:\n- ведро\n• фонарь\n\nПодробнее: https://uk.example/news/1.";

    #[test]
    fn plain_text_drops_the_marks() {
        assert_eq!(
            to_plain(NOTICE),
            "Уважаемые жители!\nС 10:00 до 18:00 не будет воды.\n\nВозьмите:\n• ведро\n• фонарь\n\nПодробнее: https://uk.example/news/1."
        );
    }

    #[test]
    fn html_has_paragraphs_lists_bold_and_links() {
        assert_eq!(
            to_html(NOTICE),
            "<p>Уважаемые жители!<br>С <strong>10:00</strong> до 18:00 не будет воды.</p>\
             <p>Возьмите:</p><ul><li>ведро</li><li>фонарь</li></ul>\
             <p>Подробнее: <a href=\"https://uk.example/news/1\">https://uk.example/news/1</a>.</p>"
        );
    }

    #[test]
    fn what_is_typed_never_becomes_markup() {
        let html = to_html("<script>alert(1)</script> **<b>** https://x.example/?a=1&b=\"2\"");
        assert_eq!(
            html,
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; <strong>&lt;b&gt;</strong> \
             <a href=\"https://x.example/?a=1&amp;b=&quot;2\">https://x.example/?a=1&amp;b=&quot;2</a>&quot;</p>"
        );
    }

    #[test]
    fn an_unpaired_marker_stays_as_typed() {
        assert_eq!(to_plain("**итого** 5**"), "итого 5**");
        assert_eq!(to_plain("a ** b"), "a ** b");
        assert_eq!(to_html("a ** b"), "<p>a ** b</p>");
        assert_eq!(to_html("**a** **b"), "<p><strong>a</strong> **b</p>");
        assert_eq!(to_html("https:// and http"), "<p>https:// and http</p>");
    }
}
