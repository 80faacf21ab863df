//! Phone numbers as the company keeps them: E.164 (`+441615550100`),
//! checked against libphonenumber's metadata for every country.

use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::Mode;

/// `input` as an E.164 number, or why it is not one. A number without a
/// `+` and country code is read as a number of `region` (`"GB"`), when
/// one is given.
pub fn e164(input: &str, region: Option<&str>) -> Result<String, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("a phone number is needed".into());
    }
    let country = match region {
        Some(region) => Some(Id::from_str(&region.to_ascii_uppercase()).map_err(|_| format!("{region} is not a country code (GB, US, DE …)"))?),
        None => None,
    };
    let parsed = phonenumber::parse(country, input).map_err(|_| match country {
        None if !input.starts_with('+') => format!("“{input}” needs its country code (+44 …)"),
        _ => format!("“{input}” is not a phone number"),
    })?;
    if !phonenumber::is_valid(&parsed) {
        return Err(format!("“{input}” is not a number that can be dialled"));
    }
    Ok(parsed.format().mode(Mode::E164).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_e164_however_they_are_typed() {
        assert_eq!(e164("+44 20 7946 0958", None).as_deref(), Ok("+442079460958"));
        assert_eq!(e164("020 7946 0958", Some("GB")).as_deref(), Ok("+442079460958"));
        assert_eq!(e164("(212) 555-0123", Some("us")), e164("+1 212 555 0123", None));
    }

    #[test]
    fn what_is_not_a_number_says_why() {
        assert_eq!(e164(" ", None), Err("a phone number is needed".into()));
        assert_eq!(e164("020 7946 0958", None), Err("“020 7946 0958” needs its country code (+44 …)".into()));
        assert!(e164("+44 12", None).unwrap_err().contains("not a number that can be dialled"));
        assert!(e164("pizza", Some("GB")).is_err());
        assert_eq!(e164("020 7946 0958", Some("XX")), Err("XX is not a country code (GB, US, DE …)".into()));
    }
}
