//! Strategies for text: pieces that break parsers, mixed scripts, almost-valid answers.

use super::*;

/// Pieces that break parsers: controls, bidi marks, emoji, look-alikes, injections, commands.
pub(super) const SNIPPETS: &[&str] = &[
    "",
    " ",
    "  ",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\n",
    "\r\n",
    "\t",
    "\u{3000}",
    "\u{a0}",
    "\u{200B}",
    "\u{200D}",
    "\u{200E}",
    "\u{200F}",
    "\u{202E}",
    "\u{2066}",
    "\u{2069}",
    "\u{061C}",
    "\u{FEFF}",
    "\u{FFFD}",
    "\u{10FFFF}",
    "\u{E000}",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇨🇳",
    "☺\u{FE0F}",
    "e\u{301}",
    "é",
    "İ",
    "ß",
    "ﬁ",
    "\u{212A}",
    "Σ",
    "١٢٣",
    "۱۲۳",
    "𝟏𝟐𝟑",
    "①②",
    "Ⅻ",
    "１３８",
    "Ｘ",
    "ｘ",
    "＠",
    "－",
    "．",
    "（",
    "）",
    "〇",
    "零",
    "十",
    "两",
    "兩",
    "百",
    "万",
    "亿",
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "<b>粗</b>",
    "&amp;&lt;",
    "${jndi:ldap://x}",
    "%s%n%x",
    "{{7*7}}",
    "../../etc/passwd",
    "\\",
    "\"",
    "NULL",
    "取消",
    "返回",
    "跳过",
    "跳過",
    "修改",
    "修改 2",
    "确认",
    "帮助",
    "cancel",
    "back",
    "skip",
    "edit",
    "confirm",
    "help",
    "/start",
    "/",
    "?",
    "？",
    "yes",
    "no",
    "是",
    "否",
    "没有",
    "none",
    "done",
    "choose:",
    "tick:",
    "edit:",
    "start:",
    "menu:",
    "lang:",
    "amend:",
    "staff:",
    "13800138000",
    "+86",
    "0086",
    "11010519491231002X",
    "x",
    "2026-12-01",
    "2026年12月",
    "20261201",
    "明天",
    "today",
    "E12345678",
    "name@example.com",
    "@",
    "3",
    "-",
    ".",
    "2.5",
    "9223372036854775808",
    "人才公寓",
    "落户",
    "個稅",
    "签证",
    "A类",
];

pub(super) fn snippet() -> BoxedStrategy<String> {
    select(SNIPPETS).prop_map(str::to_owned).boxed()
}

/// One piece of garbage: a snippet, random Unicode, random bytes read leniently, or
/// almost-structured characters.
pub(super) fn piece() -> BoxedStrategy<String> {
    prop_oneof![
        4 => snippet(),
        2 => any::<String>(),
        2 => vec(any::<char>(), 0..16).prop_map(|chars| chars.into_iter().collect()),
        1 => vec(any::<u8>(), 0..40).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        2 => "[0-9xX +()\\-.]{0,22}",
        1 => "[a-zA-Z0-9@._+\\-]{0,26}",
        1 => "[\u{4e00}-\u{9fff}]{0,10}",
    ]
    .boxed()
}

/// Several pieces joined.
pub(super) fn short_text() -> BoxedStrategy<String> {
    vec(piece(), 0..5).prop_map(|pieces| pieces.concat()).boxed()
}

/// 10,000 characters or more: one piece repeated.
pub(super) fn long_text() -> BoxedStrategy<String> {
    (piece(), any::<char>(), 10_000usize..10_300)
        .prop_map(|(piece, filler, length)| {
            let unit = if piece.is_empty() { filler.to_string() } else { piece };
            let per_unit = unit.chars().count().max(1);
            unit.repeat(length.div_ceil(per_unit))
        })
        .boxed()
}

/// Arbitrary text, now and then very long.
pub(super) fn garbage(long_weight: u32) -> BoxedStrategy<String> {
    prop_oneof![1000 => short_text(), long_weight => long_text()].boxed()
}
