//! [`TextSpace`], Gymnasium's `Text`.

use super::{Result, Sample, SpaceError};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// Gymnasium's `Text(max_length, min_length=1, charset=alphanumeric)`: strings of
/// `min_length..=max_length` characters (Unicode scalar values, like Python's `len`)
/// taken from `charset`.
///
/// The charset's order matters: it gives each character the index used by
/// [`flatten`](super::flatten). Gymnasium's default charset is a Python set whose order
/// varies between runs; here it is sorted (`0-9A-Za-z`) so indices are stable.
/// Duplicate characters are refused rather than silently merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TextRepr", into = "TextRepr")]
pub struct TextSpace {
    min_length: usize,
    max_length: usize,
    charset: Vec<char>,
}

/// Gymnasium's `alphanumeric` charset, sorted.
pub(crate) fn alphanumeric() -> Vec<char> {
    ('0'..='9').chain('A'..='Z').chain('a'..='z').collect()
}

impl TextSpace {
    /// `Text(max_length)`: 1 to `max_length` alphanumeric characters (so, as in
    /// Gymnasium, `max_length` 0 is refused).
    pub fn new(max_length: usize) -> Result<TextSpace> {
        TextSpace::with_charset(1, max_length, alphanumeric())
    }

    /// Any bounds and charset; `min_length <= max_length` and the charset must be
    /// non-empty without repeats.
    pub fn with_charset(min_length: usize, max_length: usize, charset: Vec<char>) -> Result<TextSpace> {
        if min_length > max_length {
            return Err(SpaceError::TextLength { min_length, max_length });
        }
        if charset.is_empty() {
            return Err(SpaceError::TextEmptyCharset);
        }
        let mut seen = HashSet::with_capacity(charset.len());
        if let Some(&c) = charset.iter().find(|&&c| !seen.insert(c)) {
            return Err(SpaceError::TextDuplicateChar(c));
        }
        Ok(TextSpace { min_length, max_length, charset })
    }

    /// Fewest characters a sample has.
    pub fn min_length(&self) -> usize {
        self.min_length
    }

    /// Most characters a sample has; also the flat dimension.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Allowed characters, in index order.
    pub fn charset(&self) -> &[char] {
        &self.charset
    }

    /// Position of `c` in the charset: its value in the flattened form.
    pub fn char_index(&self, c: char) -> Option<usize> {
        self.charset.iter().position(|&x| x == c)
    }

    /// A uniform length, then uniform characters, as Gymnasium samples.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        let len = rng.gen_range(self.min_length..=self.max_length);
        let s: String = (0..len).map(|_| self.charset[rng.gen_range(0..self.charset.len())]).collect();
        Sample::Text(s)
    }

    /// Whether `x` is text of an allowed length made of charset characters.
    pub fn contains(&self, x: &Sample) -> bool {
        let Some(s) = x.as_text() else {
            return false;
        };
        let len = s.chars().count();
        self.min_length <= len && len <= self.max_length && s.chars().all(|c| self.charset.contains(&c))
    }
}

impl fmt::Display for TextSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted = self.charset.clone();
        sorted.sort_unstable();
        let charset: String = sorted.into_iter().collect();
        write!(f, "Text({}, {}, charset={charset})", self.min_length, self.max_length)
    }
}

/// JSON form; the charset is a string and defaults to alphanumeric.
#[derive(Serialize, Deserialize)]
struct TextRepr {
    #[serde(default = "one")]
    min_length: usize,
    max_length: usize,
    #[serde(default = "alphanumeric_string")]
    charset: String,
}

fn one() -> usize {
    1
}

fn alphanumeric_string() -> String {
    alphanumeric().into_iter().collect()
}

impl From<TextSpace> for TextRepr {
    fn from(t: TextSpace) -> TextRepr {
        TextRepr { min_length: t.min_length, max_length: t.max_length, charset: t.charset.into_iter().collect() }
    }
}

impl TryFrom<TextRepr> for TextSpace {
    type Error = SpaceError;
    fn try_from(r: TextRepr) -> Result<TextSpace> {
        TextSpace::with_charset(r.min_length, r.max_length, r.charset.chars().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ill_formed_text_spaces_are_refused() {
        assert_eq!(
            TextSpace::with_charset(5, 3, alphanumeric()).unwrap_err().to_string(),
            "Text min_length 5 > max_length 3"
        );
        assert_eq!(TextSpace::with_charset(0, 3, vec![]).unwrap_err().to_string(), "Text charset must not be empty");
        assert_eq!(
            TextSpace::with_charset(0, 3, vec!['a', 'b', 'a']).unwrap_err().to_string(),
            "Text charset has duplicate character 'a'"
        );
    }

    #[test]
    fn defaults_match_gymnasium() {
        let t = TextSpace::new(8).unwrap();
        assert_eq!(t.min_length(), 1);
        assert_eq!(t.charset().len(), 62);
        assert_eq!(t.char_index('0'), Some(0));
        assert_eq!(t.char_index('a'), Some(36));
        assert_eq!(t.char_index('-'), None);
    }

    #[test]
    fn contains_counts_characters_not_bytes() {
        let t = TextSpace::with_charset(2, 3, vec!['é', 'x']).unwrap();
        assert!(t.contains(&Sample::from("éxé")));
        assert!(!t.contains(&Sample::from("é")));
        assert!(!t.contains(&Sample::from("éxéx")));
        assert!(!t.contains(&Sample::from("ab")));
        assert!(!t.contains(&Sample::scalar_i64(1)));
        let mut rng = crate::spaces::rng(9);
        for _ in 0..50 {
            assert!(t.contains(&t.sample(&mut rng)));
        }
    }
}
