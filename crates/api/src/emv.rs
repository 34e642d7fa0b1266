//! EMVCo Merchant-Presented Mode QR payloads: `ID(2) LEN(2) VALUE` data objects, ending in a
//! CRC-16/CCITT-FALSE in tag 63. A builder for the backend, a parser for anyone who reads one.

use std::fmt;

/// CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.
pub fn crc16_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmvError {
    /// A data object's length runs past the end, or its header is not two digits + two digits.
    Malformed(String),
    MissingCrc,
    CrcMismatch {
        expected: String,
        found: String,
    },
    DuplicateTag(String),
    MissingTag(&'static str),
    InvalidValue {
        tag: String,
        reason: String,
    },
}

impl fmt::Display for EmvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmvError::Malformed(s) => write!(f, "malformed payload: {s}"),
            EmvError::MissingCrc => write!(f, "payload has no CRC (tag 63) at its end"),
            EmvError::CrcMismatch { expected, found } => {
                write!(f, "CRC mismatch: computed {expected}, payload says {found}")
            }
            EmvError::DuplicateTag(t) => write!(f, "tag {t} appears twice"),
            EmvError::MissingTag(t) => write!(f, "required tag {t} is missing"),
            EmvError::InvalidValue { tag, reason } => write!(f, "tag {tag}: {reason}"),
        }
    }
}

impl std::error::Error for EmvError {}

/// One data object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub tag: String,
    pub value: String,
}

fn encode_one(out: &mut String, tag: &str, value: &str) -> Result<(), EmvError> {
    let len = value.chars().count();
    if tag.len() != 2 || !tag.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EmvError::InvalidValue {
            tag: tag.into(),
            reason: "tags are two digits".into(),
        });
    }
    if len == 0 || len > 99 {
        return Err(EmvError::InvalidValue {
            tag: tag.into(),
            reason: format!("value length {len} is outside 1..=99"),
        });
    }
    out.push_str(tag);
    out.push_str(&format!("{len:02}"));
    out.push_str(value);
    Ok(())
}

/// Encodes data objects (nested templates already encoded as their value) and appends the CRC.
pub fn encode(fields: &[(&str, String)]) -> Result<String, EmvError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    for (tag, value) in fields {
        if !seen.insert(*tag) {
            return Err(EmvError::DuplicateTag((*tag).into()));
        }
        if let Ok(n) = tag.parse::<u8>()
            && (65..=79).contains(&n)
        {
            return Err(EmvError::InvalidValue {
                tag: (*tag).into(),
                reason: "IDs 65–79 are reserved".into(),
            });
        }
        encode_one(&mut out, tag, value)?;
    }
    out.push_str("6304");
    let crc = crc16_ccitt(out.as_bytes());
    out.push_str(&format!("{crc:04X}"));
    Ok(out)
}

/// Splits a string of data objects (a payload or a template's value) into its objects.
pub fn split(data: &str) -> Result<Vec<Tlv>, EmvError> {
    let chars: Vec<char> = data.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        if i + 4 > chars.len() {
            return Err(EmvError::Malformed(format!("truncated header at {i}")));
        }
        let tag: String = chars[i..i + 2].iter().collect();
        let len: String = chars[i + 2..i + 4].iter().collect();
        if !tag.chars().all(|c| c.is_ascii_digit()) || !len.chars().all(|c| c.is_ascii_digit()) {
            return Err(EmvError::Malformed(format!(
                "bad header '{tag}{len}' at {i}"
            )));
        }
        let len: usize = len.parse().map_err(|_| EmvError::Malformed(len.clone()))?;
        let start = i + 4;
        if start + len > chars.len() {
            return Err(EmvError::Malformed(format!("tag {tag} runs past the end")));
        }
        out.push(Tlv {
            tag,
            value: chars[start..start + len].iter().collect(),
        });
        i = start + len;
    }
    Ok(out)
}

/// Checks the CRC and returns the payload's data objects (tag 63 included, last).
pub fn parse(payload: &str) -> Result<Vec<Tlv>, EmvError> {
    let payload = payload.trim();
    if payload.len() < 8 || !payload.is_char_boundary(payload.len() - 8) {
        return Err(EmvError::MissingCrc);
    }
    let (body, crc_obj) = payload.split_at(payload.len() - 8);
    let Some(found) = crc_obj.strip_prefix("6304") else {
        return Err(EmvError::MissingCrc);
    };
    let expected = format!("{:04X}", crc16_ccitt(format!("{body}6304").as_bytes()));
    if !found.eq_ignore_ascii_case(&expected) {
        return Err(EmvError::CrcMismatch {
            expected,
            found: found.into(),
        });
    }
    let fields = split(payload)?;
    let mut seen = std::collections::HashSet::new();
    for f in &fields {
        if !seen.insert(f.tag.clone()) {
            return Err(EmvError::DuplicateTag(f.tag.clone()));
        }
    }
    if fields.first().map(|f| (f.tag.as_str(), f.value.as_str())) != Some(("00", "01")) {
        return Err(EmvError::MissingTag(
            "00 (payload format indicator 01, first)",
        ));
    }
    Ok(fields)
}

/// The fields of a dynamic merchant-presented QR for one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantQr {
    /// Tag 26, sub-tag 00: globally unique id of the payment system (reverse domain).
    pub merchant_gui: String,
    /// Tag 26, sub-tag 01: the merchant's id at that system.
    pub merchant_id: String,
    /// Tag 52: ISO 18245 merchant category code, e.g. `5814` (fast food).
    pub mcc: String,
    /// Tag 53: ISO 4217 numeric currency, e.g. `643` (RUB), `840` (USD).
    pub currency: String,
    /// Tag 54: amount with a decimal point, e.g. `45.79`.
    pub amount: String,
    /// Tag 58: ISO 3166 alpha-2 country.
    pub country: String,
    /// Tag 59.
    pub merchant_name: String,
    /// Tag 60.
    pub merchant_city: String,
    /// Tag 62, sub-tag 01: bill number (the order number).
    pub bill_number: String,
    /// Tag 62, sub-tag 05: reference label (the payment id the bank reports back).
    pub reference: String,
}

fn field<'a>(fields: &'a [Tlv], tag: &'static str) -> Result<&'a str, EmvError> {
    fields
        .iter()
        .find(|f| f.tag == tag)
        .map(|f| f.value.as_str())
        .ok_or(EmvError::MissingTag(tag))
}

impl MerchantQr {
    pub fn to_payload(&self) -> Result<String, EmvError> {
        let mut account = String::new();
        encode_one(&mut account, "00", &self.merchant_gui)?;
        encode_one(&mut account, "01", &self.merchant_id)?;
        let mut extra = String::new();
        encode_one(&mut extra, "01", &self.bill_number)?;
        encode_one(&mut extra, "05", &self.reference)?;
        encode(&[
            ("00", "01".into()),
            // 12 = dynamic: this code is for one payment only.
            ("01", "12".into()),
            ("26", account),
            ("52", self.mcc.clone()),
            ("53", self.currency.clone()),
            ("54", self.amount.clone()),
            ("58", self.country.clone()),
            ("59", self.merchant_name.clone()),
            ("60", self.merchant_city.clone()),
            ("62", extra),
        ])
    }

    pub fn from_payload(payload: &str) -> Result<Self, EmvError> {
        let fields = parse(payload)?;
        if field(&fields, "01")? != "12" {
            return Err(EmvError::InvalidValue {
                tag: "01".into(),
                reason: "not a dynamic (one-payment) code".into(),
            });
        }
        let account = split(field(&fields, "26")?)?;
        let extra = split(field(&fields, "62")?)?;
        let amount = field(&fields, "54")?.to_owned();
        if amount.parse::<f64>().is_err() {
            return Err(EmvError::InvalidValue {
                tag: "54".into(),
                reason: format!("'{amount}' is not an amount"),
            });
        }
        Ok(Self {
            merchant_gui: field(&account, "00")?.into(),
            merchant_id: field(&account, "01")?.into(),
            mcc: field(&fields, "52")?.into(),
            currency: field(&fields, "53")?.into(),
            amount,
            country: field(&fields, "58")?.into(),
            merchant_name: field(&fields, "59")?.into(),
            merchant_city: field(&fields, "60")?.into(),
            bill_number: field(&extra, "01")?.into(),
            reference: field(&extra, "05")?.into(),
        })
    }
}

/// ISO 4217 numeric code for the alphabetic ones we price in.
pub fn currency_numeric(alpha: &str) -> Option<&'static str> {
    match alpha {
        "RUB" => Some("643"),
        "USD" => Some("840"),
        "EUR" => Some("978"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-by-bit reference CRC written independently of the one above (table-free,
    /// processing each bit of each byte as a 17-bit polynomial division).
    fn reference_crc(data: &[u8]) -> u16 {
        let mut reg: u32 = 0xFFFF;
        for &b in data {
            for i in (0..8).rev() {
                let bit = u32::from((b >> i) & 1);
                let top = (reg >> 15) & 1;
                reg = (reg << 1) & 0xFFFF;
                if top ^ bit == 1 {
                    reg ^= 0x1021;
                }
            }
        }
        reg as u16
    }

    fn sample() -> MerchantQr {
        MerchantQr {
            merchant_gui: "ru.freshkitchen.pay".into(),
            merchant_id: "FK-0001".into(),
            mcc: "5814".into(),
            currency: "643".into(),
            amount: "1250.00".into(),
            country: "RU".into(),
            merchant_name: "Fresh Kitchen".into(),
            merchant_city: "Moscow".into(),
            bill_number: "1042".into(),
            reference: "5f0c2a9e1b7d4e3f9a8b7c6d5e4f3a2b".into(),
        }
    }

    #[test]
    fn crc_matches_the_standard_check_value_and_an_independent_computation() {
        assert_eq!(crc16_ccitt(b"123456789"), 0x29B1);
        for data in [&b""[..], b"000201", b"hello, kiosk", b"6304"] {
            assert_eq!(crc16_ccitt(data), reference_crc(data));
        }
    }

    #[test]
    fn payload_round_trips_field_by_field() {
        let qr = sample();
        let payload = qr.to_payload().unwrap();
        assert!(payload.starts_with("000201010212"));
        let crc = &payload[payload.len() - 4..];
        let computed = reference_crc(&payload.as_bytes()[..payload.len() - 4]);
        assert_eq!(crc, format!("{computed:04X}"));

        let fields = parse(&payload).unwrap();
        let tags: Vec<_> = fields.iter().map(|f| f.tag.as_str()).collect();
        assert_eq!(
            tags,
            [
                "00", "01", "26", "52", "53", "54", "58", "59", "60", "62", "63"
            ]
        );
        assert_eq!(fields[5].value, "1250.00");
        assert_eq!(MerchantQr::from_payload(&payload).unwrap(), qr);
    }

    #[test]
    fn tampered_payloads_fail_their_crc() {
        let payload = sample().to_payload().unwrap();
        let tampered = payload.replace("1250.00", "1.00000");
        assert!(matches!(
            parse(&tampered),
            Err(EmvError::CrcMismatch { .. })
        ));
        let mut flipped = payload.clone().into_bytes();
        flipped[20] = if flipped[20] == b'A' { b'B' } else { b'A' };
        assert!(parse(&String::from_utf8(flipped).unwrap()).is_err());
        assert_eq!(
            parse(&payload[..payload.len() - 8]),
            Err(EmvError::MissingCrc)
        );
        assert!(parse("").is_err());
    }

    #[test]
    fn a_minimal_static_payload_parses() {
        let p = encode(&[
            ("00", "01".into()),
            ("01", "11".into()),
            ("58", "RU".into()),
        ])
        .unwrap();
        assert_eq!(parse(&p).unwrap().len(), 4);
    }

    #[test]
    fn encoder_rejects_reserved_and_duplicate_tags() {
        assert!(matches!(
            encode(&[("00", "01".into()), ("00", "01".into())]),
            Err(EmvError::DuplicateTag(_))
        ));
        assert!(encode(&[("70", "x".into())]).is_err());
        assert!(encode(&[("59", "x".repeat(100))]).is_err());
    }
}
