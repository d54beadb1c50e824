//! The cadre's contact card 包村人员名片 as a vCard and a QR code.
//!
//! The seed has the card (name, phone) printed and handed to every contact household, so that the
//! household can reach its cadre on its own initiative. The card's QR code holds a vCard 3.0 that
//! a stock Android or iPhone camera offers to save as a contact.

use qrcode::bits::Bits;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode, Version};
use serde::{Deserialize, Serialize};

/// The default minimum width and height of [`ContactCard::qr_svg`], in pixels (SVG units).
pub const QR_MIN_PX: u32 = 300;

/// Two-character surnames 复姓: a Chinese name of three or more characters that starts with one
/// of these has a two-character family name.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "令狐", "夏侯", "轩辕", "端木", "西门", "南宫", "独孤", "呼延", "赫连", "钟离", "司空", "申屠",
    "澹台", "公冶", "太史", "闻人", "百里", "淳于", "濮阳", "拓跋", "完颜", "万俟", "单于",
];

/// A cadre's contact card: what is printed on the card and encoded in its QR code.
///
/// It is public by design: it carries no token, password or internal id, only what the cadre
/// hands to every contact household.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCard {
    /// Full name, e.g. 王建国.
    pub name: String,
    /// The cadre's unit, e.g. 城关镇.
    pub unit: String,
    /// Job title, e.g. 党委副书记 (may be empty).
    pub title: String,
    /// Mobile number.
    pub phone: String,
    /// Names of the contact villages 联系村 (may be empty).
    pub villages: Vec<String>,
}

impl ContactCard {
    /// The card as a vCard 3.0 (RFC 2426): UTF-8, CRLF line endings, text values escaped. `ORG`,
    /// `TITLE`, `TEL` and `NOTE` (the contact villages) are left out when empty.
    pub fn to_vcard(&self) -> String {
        let (family, given) = split_name(&self.name);
        let mut lines = vec![
            "BEGIN:VCARD".to_owned(),
            "VERSION:3.0".to_owned(),
            format!("N:{};{};;;", escape(family), escape(given)),
            format!("FN:{}", escape(self.name.trim())),
        ];
        let mut optional = |property: &str, value: String| {
            if !value.is_empty() {
                lines.push(format!("{property}:{value}"));
            }
        };
        optional("ORG", escape(self.unit.trim()));
        optional("TITLE", escape(self.title.trim()));
        optional("TEL;TYPE=CELL", phone_number(&self.phone));
        let mut villages: Vec<&str> = self.villages.iter().map(|v| v.trim()).collect();
        villages.retain(|v| !v.is_empty());
        if !villages.is_empty() {
            optional("NOTE", escape(&format!("联系村：{}", villages.join("、"))));
        }
        lines.push("END:VCARD".to_owned());
        // No line folding: stock phone scanners read long lines, and folding at 75 octets (RFC
        // 2426 §2.6) could split a UTF-8 character, which some readers then garble.
        let mut vcard = lines.join("\r\n");
        vcard.push_str("\r\n");
        vcard
    }

    /// The vCard as a QR code (error correction level M), rendered as SVG: black modules on white
    /// with a quiet zone, at least [`QR_MIN_PX`] wide.
    pub fn qr_svg(&self) -> String {
        self.qr_svg_sized(QR_MIN_PX)
    }

    /// Like [`ContactCard::qr_svg`], at least `min_px` pixels (SVG units) wide and high.
    pub fn qr_svg_sized(&self, min_px: u32) -> String {
        svg_of(&self.qr_code(), min_px)
    }

    /// The QR code of the card. It holds [`ContactCard::to_vcard`], unless that is too long for
    /// any QR code (2331 bytes at level M, only with absurd input): then the villages are left
    /// out, and if still too long the text fields are cut to 64 characters.
    fn qr_code(&self) -> QrCode {
        let mut card = self.clone();
        if let Some(code) = byte_mode_qr(&card.to_vcard()) {
            return code;
        }
        card.villages.clear();
        if let Some(code) = byte_mode_qr(&card.to_vcard()) {
            return code;
        }
        let cut = |field: &mut String| *field = field.chars().take(64).collect();
        cut(&mut card.name);
        cut(&mut card.unit);
        cut(&mut card.title);
        cut(&mut card.phone);
        byte_mode_qr(&card.to_vcard()).expect("a cut-short card fits a QR code")
    }
}

/// `code` as SVG: black modules on white with a quiet zone, at least `min_px` wide and high.
pub(crate) fn svg_of(code: &QrCode, min_px: u32) -> String {
    let mut renderer = code.render::<svg::Color<'_>>();
    renderer.dark_color(svg::Color("#000000"));
    renderer.light_color(svg::Color("#ffffff"));
    renderer.quiet_zone(true).min_dimensions(min_px, min_px);
    renderer.build()
}

/// Encodes `text` (UTF-8) in byte mode, at level M, in the smallest version that holds it.
///
/// `QrCode::new` is not used: its optimizer reads the input as Shift JIS, and puts runs of UTF-8
/// Chinese whose bytes happen to look like Shift JIS in Kanji mode (two cards in three with a
/// list of villages, in a trial), which phone scanners would then decode as Japanese.
pub(crate) fn byte_mode_qr(text: &str) -> Option<QrCode> {
    (1..=40).find_map(|version| {
        let mut bits = Bits::new(Version::Normal(version));
        bits.push_byte_data(text.as_bytes()).ok()?;
        bits.push_terminator(EcLevel::M).ok()?;
        QrCode::with_bits(bits, EcLevel::M).ok()
    })
}

/// Splits a name into the family and given names of the vCard `N` property.
///
/// A Chinese name's family name is its first character, or its first two for a compound surname
/// 复姓 (欧阳明 → 欧阳, 明); a Chinese name written with a space splits at the space. Other names
/// with spaces take the last word as the family name (John Smith → Smith, John). Anything else
/// (a single word, or a name like 买买提·艾力) is kept whole as the family name.
pub fn split_name(name: &str) -> (&str, &str) {
    let name = name.trim();
    let chinese = name.chars().filter(|c| !c.is_whitespace()).all(is_han);
    if let Some((first, rest)) = name.split_once(char::is_whitespace) {
        if chinese {
            return (first, rest.trim_start());
        }
        let (given, family) = name.rsplit_once(char::is_whitespace).unwrap_or_default();
        return (family, given.trim_end());
    }
    if !chinese || name.chars().count() < 2 {
        return (name, "");
    }
    let compound = COMPOUND_SURNAMES.iter().find(|s| name.starts_with(**s));
    match compound {
        Some(surname) if name.chars().count() >= 3 => name.split_at(surname.len()),
        _ => name.split_at(name.chars().next().map_or(0, char::len_utf8)),
    }
}

/// Whether `c` is a CJK ideograph (the common blocks and their extensions).
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3007}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

/// Escapes a vCard 3.0 text value (RFC 2426 §4): backslash, comma, semicolon and newline.
/// Other control characters are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '\\' | ',' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The phone number as a `TEL` value: full-width forms made ASCII, then the number up to the
/// first character other than a digit, `+ - ( )` or a space (an extension such as 转8001 is left
/// out: a phone would dial it as part of the number).
fn phone_number(phone: &str) -> String {
    let ascii = |c: char| match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2010}'..='\u{2015}' => '-',
        c => c,
    };
    let dialable = |c: &char| c.is_ascii_digit() || "+-() ".contains(*c);
    let chars = phone.trim().chars().map(ascii);
    let number: String = chars.take_while(dialable).collect();
    number.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card from (name, unit, title, phone) and villages.
    #[rustfmt::skip]
    fn card([name, unit, title, phone]: [&str; 4], villages: &[&str]) -> ContactCard {
        let [name, unit, title, phone] = [name, unit, title, phone].map(String::from);
        let villages = villages.iter().map(|v| v.to_string()).collect();
        ContactCard { name, unit, title, phone, villages }
    }

    #[rustfmt::skip]
    fn cadre() -> ContactCard {
        card(["王建国", "城关镇", "党委副书记", "13800138000"], &["东关村", "西关村"])
    }

    /// The cards of the brief: a typical cadre, a compound surname, and text to escape.
    #[rustfmt::skip]
    fn cards() -> [(&'static str, ContactCard); 3] {
        [
            ("a typical township cadre", cadre()),
            ("a compound surname", card(["欧阳明", "县委组织部", "科员", "13912345678"], &["南街村"])),
            ("text to escape", card(["李,四;", "县水利局; 办公室", "", "0311-1234567"], &["前,后村"])),
        ]
    }

    /// Decodes the single QR code in `image`.
    fn decode(image: image::GrayImage) -> String {
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code");
        grids[0].decode().expect("a readable QR code").1
    }

    /// Renders the card's QR code as an image, as a phone's camera would see it.
    fn qr_image(card: &ContactCard) -> image::GrayImage {
        let code = card.qr_code();
        assert_eq!(code.error_correction_level(), EcLevel::M);
        let mut renderer = code.render::<image::Luma<u8>>();
        renderer.min_dimensions(300, 300).build()
    }

    /// Rasterizes qrcode's SVG, whose dark modules are `M{x} {y}h{w}v{h}H{x}V{y}` rectangles.
    fn rasterize(svg: &str) -> image::GrayImage {
        let attribute = |key: &str| {
            let value = svg.split(key).nth(1).unwrap();
            value[..value.find('"').unwrap()].to_owned()
        };
        let width: u32 = attribute(" width=\"").parse().unwrap();
        let height: u32 = attribute(" height=\"").parse().unwrap();
        let mut image = image::GrayImage::from_pixel(width, height, image::Luma([255]));
        for rect in attribute(" d=\"").split('M').filter(|r| !r.is_empty()) {
            let numbers = rect.split(['h', 'v', 'H', 'V', ' ']).map(|n| n.parse());
            let [x, y, w, h, ..] = numbers.collect::<Result<Vec<u32>, _>>().unwrap()[..] else {
                panic!("not a rectangle: {rect}");
            };
            for (x, y) in (x..x + w).flat_map(|x| (y..y + h).map(move |y| (x, y))) {
                image.put_pixel(x, y, image::Luma([0]));
            }
        }
        image
    }

    #[test]
    fn a_typical_cadre_card() {
        let expected = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:王;建国;;;\r\nFN:王建国\r\nORG:城关镇\r\n\
            TITLE:党委副书记\r\nTEL;TYPE=CELL:13800138000\r\nNOTE:联系村：东关村、西关村\r\n\
            END:VCARD\r\n";
        assert_eq!(cadre().to_vcard(), expected);
    }

    #[test]
    fn escaping_and_empty_fields() {
        #[rustfmt::skip]
        let fields = ["李,四;", "县水利局\\信访办; 一组", "", "+86 (138) 0013-8000"];
        let mut c = card(fields, &[]);
        let expected = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:李\\,四\\;;;;;\r\nFN:李\\,四\\;\r\n\
            ORG:县水利局\\\\信访办\\; 一组\r\nTEL;TYPE=CELL:+86 (138) 0013-8000\r\nEND:VCARD\r\n";
        assert_eq!(c.to_vcard(), expected);
        c.title = "副局长\r\n（兼）".into();
        c.villages = vec!["东关村".into(), " ".into(), "前,后村".into()];
        let vcard = c.to_vcard();
        assert!(vcard.contains("\r\nTITLE:副局长\\n（兼）\r\n"), "{vcard}");
        assert!(vcard.contains("\r\nNOTE:联系村：东关村、前\\,后村\r\n"));
        let lines: Vec<&str> = vcard.split("\r\n").collect();
        assert_eq!(lines.len(), 10, "one property a line: {lines:?}");
        assert_eq!(lines.last(), Some(&""), "the last line ends with CRLF");
        assert!(!vcard.replace("\r\n", "").contains(['\r', '\n']));
    }

    #[test]
    fn family_and_given_names() {
        #[rustfmt::skip]
        let cases = [
            ("a one-character surname", "王建国", ("王", "建国")),
            ("a two-character name", "李四", ("李", "四")),
            ("a compound surname", "欧阳明", ("欧阳", "明")),
            ("a compound surname, four characters", "司马相如", ("司马", "相如")),
            ("诸葛亮", "诸葛亮", ("诸葛", "亮")),
            ("two characters that start like a compound surname", "东方", ("东", "方")),
            ("a Chinese name with a space", " 王 建国 ", ("王", "建国")),
            ("a Western name", "John Smith", ("Smith", "John")),
            ("a Western name with a middle name", "Mary Ann Lee", ("Lee", "Mary Ann")),
            ("a name with a middle dot", "买买提·艾力", ("买买提·艾力", "")),
            ("a single character", "王", ("王", "")),
            ("an empty name", "", ("", "")),
        ];
        for (name, input, expected) in cases {
            assert_eq!(split_name(input), expected, "{name}");
        }
        let vcard = card(["欧阳明", "", "", ""], &[]).to_vcard();
        assert!(vcard.contains("\r\nN:欧阳;明;;;\r\nFN:欧阳明\r\n"));
    }

    #[test]
    fn phone_numbers() {
        #[rustfmt::skip]
        let cases = [
            ("a mobile number", "13800138000", "13800138000"),
            ("spaces and dashes stay", " 138 0013-8000 ", "138 0013-8000"),
            ("a landline with an area code", "(0311)1234567", "(0311)1234567"),
            ("full-width digits and dash", "０３１１－１２３４５６７", "0311-1234567"),
            ("an extension is left out", "0311-1234567转8001", "0311-1234567"),
            ("no number", " ", ""),
        ];
        for (name, phone, expected) in cases {
            assert_eq!(phone_number(phone), expected, "{name}");
        }
        let vcard = card(["王建国", "城关镇", "", " "], &[]).to_vcard();
        assert!(!vcard.contains("TEL"), "an empty number is left out");
    }

    #[test]
    fn the_card_carries_no_secret() {
        let is_uuid = |w: &[u8]| {
            let dash = |i| [8, 13, 18, 23].contains(&i);
            let ok = |(i, b): (usize, &u8)| {
                (*b == b'-') == dash(i) && (dash(i) || b.is_ascii_hexdigit())
            };
            w.iter().enumerate().all(ok)
        };
        assert!(is_uuid(b"0193a4f2-7c1e-7d3a-9f00-1234567890ab"));
        for (name, card) in cards() {
            let vcard = card.to_vcard().to_lowercase();
            for word in ["token", "password", "secret", "uuid", "id:"] {
                assert!(!vcard.contains(word), "{name}: {word}");
            }
            assert!(!vcard.as_bytes().windows(36).any(is_uuid), "{name}");
        }
        let json = serde_json::to_value(cadre()).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "phone", "title", "unit", "villages"]);
        let back: ContactCard = serde_json::from_value(json).unwrap();
        assert_eq!(back, cadre());
    }

    #[test]
    fn the_qr_code_decodes_to_the_vcard() {
        for (name, card) in cards() {
            assert_eq!(decode(qr_image(&card)), card.to_vcard(), "{name}");
        }
    }

    #[test]
    fn chinese_text_is_encoded_in_byte_mode() {
        // rqrr hands Kanji-mode data back as Shift JIS bytes, so a round trip cannot tell the
        // modes apart; a phone would show Japanese. These villages' UTF-8 looks like Shift JIS.
        let villages = ["柳镇小村", "关北前村", "王关村", "店头中村"];
        let c = card(["王建国", "城关镇", "", "13800138000"], &villages);
        let vcard = c.to_vcard();
        let segments = qrcode::optimize::Parser::new(vcard.as_bytes());
        let mut modes = segments.optimize(Version::Normal(5)).map(|s| s.mode);
        let kanji = modes.any(|mode| mode == qrcode::types::Mode::Kanji);
        assert!(kanji, "QrCode::new would use Kanji mode");
        let code = c.qr_code();
        let mut bits = Bits::new(code.version());
        bits.push_byte_data(vcard.as_bytes()).unwrap();
        bits.push_terminator(EcLevel::M).unwrap();
        let byte_mode = QrCode::with_bits(bits, EcLevel::M).unwrap();
        assert_eq!(code.to_colors(), byte_mode.to_colors());
    }

    #[test]
    fn the_svg_is_a_readable_qr_code() {
        for (name, card) in cards() {
            let svg = card.qr_svg();
            assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
            assert!(svg.contains("<svg") && svg.ends_with("</svg>"));
            assert!(svg.contains(r##"fill="#000000""##), "{name}: black");
            assert!(svg.contains(r##"fill="#ffffff""##), "{name}: white");
            let image = rasterize(&svg);
            assert_eq!(image.width(), image.height(), "{name}");
            assert!(image.width() >= QR_MIN_PX, "{name}");
            assert_eq!(image.get_pixel(0, 0).0, [255], "{name}: quiet zone");
            assert_eq!(decode(image), card.to_vcard(), "{name}");
        }
        let small = rasterize(&cadre().qr_svg_sized(100));
        assert!(small.width() >= 100 && small.width() < QR_MIN_PX);
    }

    #[test]
    fn an_absurdly_long_card_still_gets_a_qr_code() {
        let mut c = cadre();
        c.villages = (0..400).map(|i| format!("第{i}村")).collect();
        let mut without_villages = c.clone();
        without_villages.villages.clear();
        assert_eq!(decode(qr_image(&c)), without_villages.to_vcard());
        c.name = "王".repeat(2000);
        let fn_line = format!("\r\nFN:{}\r\n", "王".repeat(64));
        assert!(decode(qr_image(&c)).contains(&fn_line));
    }
}
