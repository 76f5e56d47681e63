//! QR codes as inline SVG (a forwarded pass: the guard's scanner types the
//! link the code holds into the desk's search).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The longest text a code is made for; a pass link is far shorter.
const MAX_TEXT: usize = 512;

/// `text` as an inline `<svg>` (no XML declaration), one unit per module and
/// the standard four-module quiet zone, scaled by CSS. `None` when the text
/// is too long to make a code a phone camera reads at arm's length.
#[must_use]
pub fn svg(text: &str) -> Option<String> {
    if text.len() > MAX_TEXT {
        return None;
    }
    // Level M: a printed or screen code survives a smudge or a glare.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    let inline = image.find("<svg").map_or(image.as_str(), |start| &image[start..]);
    Some(inline.replacen("<svg ", r#"<svg role="img" class="qr" "#, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws the SVG's path (`M{x} {y}h{w}v{h}H{x}V{y}` rectangles) into
    /// a bitmap, `scale` pixels per module, and reads it with a decoder.
    fn decode(svg: &str, scale: usize) -> String {
        let size: usize = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no viewBox in {svg}"));
        let path = svg.split(" d=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
        let mut dark = vec![false; size * size];
        for rect in path.split('M').filter(|r| !r.is_empty()) {
            let numbers: Vec<usize> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap_or(0))
                .collect();
            let [x, y, w, h, ..] = numbers[..] else { panic!("odd rectangle {rect}") };
            for row in y..y + h {
                for column in x..x + w {
                    dark[row * size + column] = true;
                }
            }
        }
        let pixels = size * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(pixels, pixels, |x, y| {
            if dark[(y / scale) * size + x / scale] { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one code in the picture");
        let (_, content) = grids[0].decode().unwrap_or_else(|e| panic!("unreadable code: {e:?}"));
        content
    }

    #[test]
    fn a_pass_link_reads_back_from_the_svg() {
        let link = "https://domovoy.example.ru/p/hV3q9Zk2mXwT0bY7cR1dE5fG8jL4nP6s";
        let image = svg(link).unwrap_or_else(|| panic!("no code"));
        assert!(image.starts_with("<svg "), "inline, no XML declaration: {image:.60}");
        assert!(image.contains(r#"class="qr""#));
        assert_eq!(decode(&image, 4), link);
    }

    #[test]
    fn cyrillic_text_survives() {
        let text = "Пропуск: кв. 45";
        assert_eq!(decode(&svg(text).unwrap_or_else(|| panic!("no code")), 3), text);
    }

    #[test]
    fn too_long_text_makes_no_code() {
        assert!(svg(&"x".repeat(MAX_TEXT + 1)).is_none());
        assert!(svg(&"x".repeat(MAX_TEXT)).is_some());
    }
}
