//! Windows keyboard layout identifiers (KLIDs) as sent in TS_UD_CS_CORE.keyboardLayout
//! (MS-RDPBCGR 2.2.1.3.2, values from [MSDN-MUI] "Windows Language Pack Default Values").
//!
//! The low 16 bits are a language id (LANGID); the high bits select a variant layout
//! (0x00010409 US Dvorak, ...). Unknown variants are named by their language, Zeek-style:
//! `Thai (Best Guess for 263198)`.

/// Names of common keyboard layouts, by full KLID then by language id.
const LAYOUTS: &[(u32, &str)] = &[
    (0x0401, "Arabic - Saudi Arabia"),
    (0x0402, "Bulgarian"),
    (0x0403, "Catalan"),
    (0x0404, "Chinese - Taiwan"),
    (0x0405, "Czech"),
    (0x0406, "Danish"),
    (0x0407, "German - Germany"),
    (0x0408, "Greek"),
    (0x0409, "English - United States"),
    (0x040a, "Spanish - Spain (Traditional Sort)"),
    (0x040b, "Finnish"),
    (0x040c, "French - France"),
    (0x040d, "Hebrew"),
    (0x040e, "Hungarian"),
    (0x040f, "Icelandic"),
    (0x0410, "Italian - Italy"),
    (0x0411, "Japanese"),
    (0x0412, "Korean"),
    (0x0413, "Dutch - Netherlands"),
    (0x0414, "Norwegian (Bokmal)"),
    (0x0415, "Polish"),
    (0x0416, "Portuguese - Brazil"),
    (0x0418, "Romanian"),
    (0x0419, "Russian"),
    (0x041a, "Croatian"),
    (0x041b, "Slovak"),
    (0x041c, "Albanian - Albania"),
    (0x041d, "Swedish"),
    (0x041e, "Thai"),
    (0x041f, "Turkish"),
    (0x0420, "Urdu"),
    (0x0421, "Indonesian"),
    (0x0422, "Ukrainian"),
    (0x0423, "Belarusian"),
    (0x0424, "Slovenian"),
    (0x0425, "Estonian"),
    (0x0426, "Latvian"),
    (0x0427, "Lithuanian"),
    (0x0429, "Farsi"),
    (0x042a, "Vietnamese"),
    (0x042b, "Armenian - Armenia"),
    (0x042c, "Azeri (Latin)"),
    (0x042f, "FYRO Macedonian"),
    (0x0437, "Georgian"),
    (0x0438, "Faroese"),
    (0x0439, "Hindi"),
    (0x043a, "Maltese"),
    (0x043f, "Kazakh"),
    (0x0440, "Kyrgyz (Cyrillic)"),
    (0x0441, "Swahili"),
    (0x0443, "Uzbek (Latin)"),
    (0x0444, "Tatar"),
    (0x0445, "Bengali (India)"),
    (0x0446, "Punjabi"),
    (0x0447, "Gujarati"),
    (0x0449, "Tamil"),
    (0x044a, "Telugu"),
    (0x044b, "Kannada"),
    (0x044c, "Malayalam"),
    (0x044e, "Marathi"),
    (0x0450, "Mongolian (Cyrillic)"),
    (0x0452, "Welsh"),
    (0x0804, "Chinese - People's Republic of China"),
    (0x0807, "German - Switzerland"),
    (0x0809, "English - United Kingdom"),
    (0x080a, "Spanish - Mexico"),
    (0x080c, "French - Belgium"),
    (0x0810, "Italian - Switzerland"),
    (0x0813, "Dutch - Belgium"),
    (0x0814, "Norwegian (Nynorsk)"),
    (0x0816, "Portuguese - Portugal"),
    (0x081a, "Serbian (Latin)"),
    (0x081d, "Swedish - Finland"),
    (0x0c07, "German - Austria"),
    (0x0c09, "English - Australia"),
    (0x0c0a, "Spanish - Spain (Modern Sort)"),
    (0x0c0c, "French - Canada"),
    (0x0c1a, "Serbian (Cyrillic)"),
    (0x1009, "English - Canada"),
    (0x100c, "French - Switzerland"),
    (0x1409, "English - New Zealand"),
    (0x1809, "English - Ireland"),
    (0x4009, "English - India"),
    (0x10402, "Bulgarian (Latin)"),
    (0x10405, "Czech (QWERTY)"),
    (0x10407, "German (IBM)"),
    (0x10408, "Greek (220)"),
    (0x10409, "English - United States (Dvorak)"),
    (0x1040a, "Spanish Variation"),
    (0x1040e, "Hungarian 101-key"),
    (0x10410, "Italian (142)"),
    (0x10415, "Polish (214)"),
    (0x10416, "Portuguese (Brazilian ABNT2)"),
    (0x10419, "Russian (Typewriter)"),
    (0x1041b, "Slovak (QWERTY)"),
    (0x1041e, "Thai Pattachote"),
    (0x1041f, "Turkish F"),
    (0x10c0c, "Canadian French (Legacy)"),
    (0x11009, "Canadian Multilingual Standard"),
    (0x20405, "Czech Programmers"),
    (0x20409, "English - United States (International)"),
    (0x20418, "Romanian (Programmers)"),
    (0x2041e, "Thai Kedmanee (non-ShiftLock)"),
    (0x30409, "English - United States (Dvorak for left hand)"),
    (0x3041e, "Thai Pattachote (non-ShiftLock)"),
    (0x40409, "English - United States (Dvorak for right hand)"),
];

/// The name of a keyboard layout (MS-RDPBCGR 2.2.1.3.2 keyboardLayout): exact match, else the
/// language's name with ` (Best Guess for N)` (as Zeek's rdp.log writes it), else `unknown (0x..)`.
pub fn keyboard_layout_name(klid: u32) -> String {
    let find = |id: u32| LAYOUTS.iter().find(|(k, _)| *k == id).map(|(_, n)| *n);
    if let Some(n) = find(klid) {
        return n.to_string();
    }
    match find(klid & 0xffff) {
        Some(n) => format!("{n} (Best Guess for {klid})"),
        None => format!("unknown ({klid:#x})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(keyboard_layout_name(0x409), "English - United States");
        assert_eq!(keyboard_layout_name(0x809), "English - United Kingdom");
        assert_eq!(
            keyboard_layout_name(0x10409),
            "English - United States (Dvorak)"
        );
        // Zeek rdp-unknown-keyboard rdp.log: "Thai (Best Guess for 263198)".
        assert_eq!(keyboard_layout_name(263198), "Thai (Best Guess for 263198)");
        assert_eq!(keyboard_layout_name(0xdead_0fff), "unknown (0xdead0fff)");
    }

    #[test]
    fn table_has_no_duplicate_ids() {
        let mut ids: Vec<u32> = LAYOUTS.iter().map(|(k, _)| *k).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
